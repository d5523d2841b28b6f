"""One week of a student's diary, read from the journal.

:func:`build_week` is the hot path of the diary (every family opens it): six
statements of a fixed shape (:mod:`.week_sql`) whatever the size of the school
or of the week, joined in Python.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from typing import Iterable

from core import clock

from . import week_sql as sql
from core.prepared import as_date, as_datetime, as_time

#: attendance statuses shown as an absence (a late arrival is not one)
ABSENT = ("absent", "ill", "valid")


def class_id_of(obj) -> int | None:
    """The class id of a roster ``Student`` (or ``StudyGroup``)."""
    return obj.school_class_id


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def week_dates(monday: dt.date) -> list[dt.date]:
    return [monday + dt.timedelta(days=i) for i in range(7)]


def fingerprint(marks: Iterable[tuple[int, int]], attendance: Iterable[tuple[int, int]],
                remarks: Iterable[int]) -> str:
    """Identify what a guardian acknowledges: the student's marks and attendance of the
    week as ``(id, version)`` and the ids of the remarks. Any new, changed or deleted one
    changes it.

    Lesson topics and homework are not part of it: changing them does not ask the
    family to acknowledge the week again.
    """
    parts = sorted([f"m{i}.{v}" for i, v in marks] + [f"a{i}.{v}" for i, v in attendance] +
                   [f"r{i}" for i in remarks])
    return hashlib.sha1(",".join(parts).encode()).hexdigest()


def _facts_rows(student_id: int, monday: dt.date):
    span = {"sid": student_id, "date_from": monday, "date_to": monday + dt.timedelta(days=6)}
    return sql.MARKS.rows(**span), sql.ATTENDANCE.rows(**span), sql.REMARKS.rows(**span)


def _facts(marks, attendance, remarks) -> tuple[str, int, int, int]:
    fp = fingerprint([(m[0], m[6]) for m in marks], [(a[0], a[4]) for a in attendance], [r[0] for r in remarks])
    return fp, len(marks), sum(a[2] in ABSENT for a in attendance), len(remarks)


def week_facts(student_id: int, monday: dt.date) -> tuple[str, int, int, int]:
    """(fingerprint, marks, absences, remarks) of a student's week; three queries."""
    return _facts(*_facts_rows(student_id, monday))


def _links(raw) -> list[dict]:
    if not raw or raw == "[]":  # most lessons have none: no need for the JSON parser
        return []
    try:
        links = json.loads(raw)
    except ValueError:
        return []
    return [x for x in links if isinstance(x, dict)] if isinstance(links, list) else []


def build_week(student, monday: dt.date) -> dict:
    """Everything a diary page shows for one week (Monday..Sunday).

    Days without lesson records show the timetable's slots as planned lessons
    (with that day's substitutions, room changes and cancellations); days with
    records show the records. Saturday appears when there is something on it,
    Sunday only with lessons.

    :param student: with ``school_class`` loaded (or ``None`` for a student out of class)
    :returns: dict with ``days`` (each ``lessons`` and ``remarks``), ``fingerprint`` and counts.
        Days, lessons, marks and remarks have the keys of the API's ``DayOut``, ``LessonOut``,
        ``MarkOut`` and ``RemarkOut``, in their order (:mod:`.week_json` relies on it).
    """
    sunday = monday + dt.timedelta(days=6)
    today = clock.today()
    dates = week_dates(monday)
    cid = class_id_of(student)
    span = {"date_from": monday, "date_to": sunday}
    lessons = sql.LESSONS.rows(sid=student.id, cid=cid, school=student.school_id, **span)
    marks, attendance, remarks = _facts_rows(student.id, monday)
    holidays = sql.HOLIDAYS.rows(year=student.school_class.year_id if cid else None, **span)
    holiday_on = {day: next((name for name, a, b in holidays if as_date(a) <= day <= as_date(b)), None)
                  for day in dates}

    marks_by_lesson = defaultdict(list)
    for mid, lesson_id, value, weight, comment, updated_at, _v, kind, code in marks:
        marks_by_lesson[lesson_id].append({"id": mid, "value": value, "kind": kind, "kind_code": code,
                                           "weight": weight, "comment": comment, "at": as_datetime(updated_at)})
    att_by_lesson = {a[1]: {"status": a[2], "reason": a[3]} for a in attendance}
    remarks_by_day = defaultdict(list)
    for rid, kind, text, day, subject, teacher, lesson_id in remarks:
        day = as_date(day)
        remarks_by_day[day].append({"id": rid, "kind": kind, "text": text, "date": day, "subject": subject or "",
                                    "teacher": teacher or "", "lesson_id": lesson_id})
    by_day = defaultdict(list)
    for (lid, day, number, subject_id, subject, teacher, room, topic, homework, links, due, is_control,
         control_title, cancelled, start, end) in lessons:
        by_day[as_date(day)].append({
            "lesson_id": lid, "number": number, "planned": False, "start": as_time(start), "end": as_time(end),
            "subject": subject, "subject_id": subject_id, "teacher": teacher or "", "room": room or "",
            "topic": topic, "homework": homework, "homework_links": _links(links), "homework_due": as_date(due),
            "control": (control_title or "") if is_control else None, "cancelled": bool(cancelled),
            "change": None, "marks": marks_by_lesson.get(lid, []), "attendance": att_by_lesson.get(lid),
        })

    # the timetable fills the days shown without lesson records (holidays apart; Sunday is
    # shown only with lessons or a remark): only those weekdays' slots are read, none at all
    # for a week whose lessons are all recorded
    planned = [day for day in dates if day not in by_day and holiday_on[day] is None and
               (day.isoweekday() != 7 or day in remarks_by_day)]
    wanted = {day.isoweekday() for day in planned}
    timetable = sql.TIMETABLE.rows(sid=student.id, cid=cid, **span, **{
        name: (weekday if weekday in wanted else 0) for weekday, name in enumerate(sql.WEEKDAY_SLOTS, 1)})

    days = []
    for day in dates:
        holiday = holiday_on[day]
        items = by_day.get(day) or (_planned(day, timetable) if day in planned else [])
        weekday = day.isoweekday()
        if weekday >= 6 and not items and day not in remarks_by_day:
            continue  # Saturday and Sunday appear only with something on them
        days.append({"date": day, "weekday": weekday, "is_today": day == today, "holiday": holiday,
                     "lessons": items, "remarks": remarks_by_day.get(day, [])})
    fp, n_marks, n_absences, n_remarks = _facts(marks, attendance, remarks)
    return {
        "student": student, "week": monday, "prev_week": monday - dt.timedelta(days=7),
        "next_week": monday + dt.timedelta(days=7), "end": sunday, "today": today,
        "is_current": monday == monday_of(today), "days": days, "fingerprint": fp,
        "counts": {"marks": n_marks, "absences": n_absences, "remarks": n_remarks},
    }


def _planned(day: dt.date, timetable: list[tuple]) -> list[dict]:
    """The timetable's slots on ``day`` (no lesson records yet), with that day's change."""
    slots: dict[int, dict] = {}  # by timetable entry
    for (eid, weekday, number, subject_id, subject, teacher, room, valid_from, valid_to, start, end,
         ch_date, ch_kind, ch_room, ch_note, substitute) in timetable:
        if weekday != day.isoweekday():
            continue
        if (valid_from and as_date(valid_from) > day) or (valid_to and as_date(valid_to) < day):
            continue
        change = ch_kind if ch_date is not None and as_date(ch_date) == day else None
        if change is None and eid in slots:
            continue  # a row of this slot joined with another day's change
        slots[eid] = {
            "lesson_id": None, "number": number, "planned": True,
            "start": as_time(start), "end": as_time(end), "subject": subject, "subject_id": subject_id,
            "teacher": (substitute or teacher or "") if change == "substitution" else (teacher or ""),
            "room": (ch_room or room or "") if change == "room" else (room or ""),
            "topic": "", "homework": "", "homework_links": [], "homework_due": None, "control": None,
            "cancelled": change == "cancelled", "change": {"kind": change, "note": ch_note or ""} if change else None,
            "marks": [], "attendance": None,
        }
    return [slot for _eid, slot in sorted(slots.items(), key=lambda item: (item[1]["number"], item[0]))]
