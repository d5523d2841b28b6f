"""One week of a pupil's diary: its statements, its shape, its JSON.

:func:`open_week` is the hot path of the diary (every family opens it): given the
:class:`.access.Reader` the request checked once, it reads the week in statements of
a fixed shape whatever the size of the school or of the week (built once,
:mod:`zhurnal.core.prepared`), joins them in Python (:func:`build_week`), notes the visit
(:mod:`.visits`) or audits a staff read, and adds the acknowledgements
(:mod:`.acknowledgement`). :func:`week_json` writes it for the API.

Which lessons and timetable slots concern the pupil is the journal's rule
(:func:`zhurnal.plugins.journal.service.pupil_conditions`), taken as SQL into the statements
below: the week's lessons, and the marks and attendance of those lessons.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from typing import Iterable

import peewee as pw

from zhurnal.core import clock
from zhurnal.core.fields import iso
from zhurnal.core.identity.models import User
from zhurnal.core.prepared import Prepared, as_date, as_datetime, as_time, slot
from zhurnal.plugins.journal.models import (Attendance, BellTime, Lesson, Mark, Remark, TimetableChange, TimetableEntry,
                                    WorkKind)
from zhurnal.plugins.journal.service import pupil_conditions
from zhurnal.plugins.roster.models import Holiday, Subject

#: attendance statuses shown as an absence (a late arrival is not one)
ABSENT = ("absent", "ill", "valid")



def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def week_dates(monday: dt.date) -> list[dt.date]:
    return [monday + dt.timedelta(days=i) for i in range(7)]


# --- the statements --------------------------------------------------------------------------------

Teacher = User.alias("teacher")
Substitute = User.alias("substitute")


def _week_lesson_ids():
    """Ids of the week's lessons that concern the pupil (the journal's rule), read through indexes.

    The rule's two parts are separate SELECTs (an id found by both is listed twice) so that
    each is read through its own index with the dates: the class's lessons through (class,
    subject, date), the groups' through (group, date); as one OR, SQLite read every lesson of
    the class's year, and PostgreSQL every lesson of the school's week. The subject condition
    is always true (the journal gives a lesson only a subject of its school): it lets the
    class's index reach the dates, subject by subject.
    """
    of_class, of_groups = pupil_conditions(Lesson, slot("sid"), slot("cid"))
    in_week = Lesson.date.between(slot("date_from"), slot("date_to"))
    school_subjects = Subject.select(Subject.id).where(Subject.school == slot("school"))
    return (Lesson.select(Lesson.id).where(of_class & Lesson.subject.in_(school_subjects) & in_week)
            .union_all(Lesson.select(Lesson.id).where(of_groups & in_week)))


#: (id, date, number, subject_id, subject, teacher, room, topic, homework, homework_links,
#:  homework_due, is_control, control_title, cancelled, bell start, bell end)
LESSONS = Prepared(lambda: (
    Lesson.select(Lesson.id, Lesson.date, Lesson.number, Lesson.subject, Subject.name, Teacher.display_name,
                  TimetableEntry.room, Lesson.topic, Lesson.homework, Lesson.homework_links, Lesson.homework_due,
                  Lesson.is_control, Lesson.control_title, Lesson.cancelled, BellTime.start, BellTime.end)
    .join(Subject, on=(Lesson.subject == Subject.id))
    .switch(Lesson).join(Teacher, pw.JOIN.LEFT_OUTER, on=(Lesson.teacher == Teacher.id))
    .switch(Lesson).join(TimetableEntry, pw.JOIN.LEFT_OUTER, on=(Lesson.timetable_entry == TimetableEntry.id))
    .switch(Lesson).join(BellTime, pw.JOIN.LEFT_OUTER,
                         on=((BellTime.school == Lesson.school) & (BellTime.number == Lesson.number)))
    .where(Lesson.id.in_(_week_lesson_ids()))
    .order_by(Lesson.date, Lesson.number, Lesson.id)))

#: the weekdays TIMETABLE reads, one slot per weekday (``day1`` Monday .. ``day7`` Sunday): the
#: weekday's number to read its slots, 0 to skip it (the week asks only for days without lessons)
WEEKDAY_SLOTS = tuple(f"day{i}" for i in range(1, 8))


def _my_slots():
    of_class, of_groups = pupil_conditions(TimetableEntry, slot("sid"), slot("cid"))
    return of_class | of_groups


#: (id, weekday, number, subject_id, subject, teacher, room, valid_from, valid_to, bell start, bell end,
#:  change date, change kind, change room, change note, substitute)
TIMETABLE = Prepared(lambda: (
    TimetableEntry.select(TimetableEntry.id, TimetableEntry.weekday, TimetableEntry.number, TimetableEntry.subject,
                          Subject.name, Teacher.display_name, TimetableEntry.room, TimetableEntry.valid_from,
                          TimetableEntry.valid_to, BellTime.start, BellTime.end, TimetableChange.date,
                          TimetableChange.kind, TimetableChange.room, TimetableChange.note, Substitute.display_name)
    .join(Subject, on=(TimetableEntry.subject == Subject.id))
    .switch(TimetableEntry).join(Teacher, pw.JOIN.LEFT_OUTER, on=(TimetableEntry.teacher == Teacher.id))
    .switch(TimetableEntry).join(BellTime, pw.JOIN.LEFT_OUTER,
                                 on=((BellTime.school == TimetableEntry.school) &
                                     (BellTime.number == TimetableEntry.number)))
    .switch(TimetableEntry).join(TimetableChange, pw.JOIN.LEFT_OUTER,
                                 on=((TimetableChange.entry == TimetableEntry.id) &
                                     TimetableChange.date.between(slot("date_from"), slot("date_to"))))
    .join(Substitute, pw.JOIN.LEFT_OUTER, on=(TimetableChange.teacher == Substitute.id))
    .where(_my_slots() & TimetableEntry.weekday.in_([slot(name) for name in WEEKDAY_SLOTS]))
    .order_by(TimetableEntry.weekday, TimetableEntry.number, TimetableEntry.id)))

#: (id, lesson_id, value, weight, comment, updated_at, version, kind name, kind code): the pupil's
#: marks in the week's lessons that concern them (read through those lessons, not the school's week)
MARKS = Prepared(lambda: (
    Mark.select(Mark.id, Mark.lesson, Mark.value, Mark.weight, Mark.comment, Mark.updated_at, Mark.version,
                WorkKind.name, WorkKind.code)
    .join(Lesson, on=(Mark.lesson == Lesson.id)).switch(Mark).join(WorkKind, on=(Mark.kind == WorkKind.id))
    .where((Mark.student == slot("sid")) & Mark.lesson.in_(_week_lesson_ids()))
    .order_by(Lesson.date, Lesson.number, Mark.id)))

#: (id, lesson_id, status, reason, version), likewise
ATTENDANCE = Prepared(lambda: (
    Attendance.select(Attendance.id, Attendance.lesson, Attendance.status, Attendance.reason, Attendance.version)
    .where((Attendance.student == slot("sid")) & Attendance.lesson.in_(_week_lesson_ids()))))

#: (id, kind, text, date, subject, teacher, lesson_id)
REMARKS = Prepared(lambda: (
    Remark.select(Remark.id, Remark.kind, Remark.text, Remark.date, Subject.name, Teacher.display_name, Remark.lesson)
    .join(Subject, pw.JOIN.LEFT_OUTER, on=(Remark.subject == Subject.id))
    .switch(Remark).join(Teacher, pw.JOIN.LEFT_OUTER, on=(Remark.teacher == Teacher.id))
    .where((Remark.student == slot("sid")) & Remark.date.between(slot("date_from"), slot("date_to")))
    .order_by(Remark.date, Remark.id)))

#: (name, start, end)
HOLIDAYS = Prepared(lambda: (
    Holiday.select(Holiday.name, Holiday.start, Holiday.end)
    .where((Holiday.year == slot("year")) & (Holiday.start <= slot("date_to")) & (Holiday.end >= slot("date_from")))
    .order_by(Holiday.start)))


# --- what a guardian acknowledges ------------------------------------------------------------------

def fingerprint(marks: Iterable[tuple[int, int]], attendance: Iterable[tuple[int, int]],
                remarks: Iterable[int]) -> str:
    """Identify what a guardian acknowledges: the pupil's marks and attendance of the
    week as ``(id, version)`` and the ids of the remarks. Any new, changed or deleted one
    changes it.

    Lesson topics and homework are not part of it: changing them does not ask the
    family to acknowledge the week again.
    """
    parts = sorted([f"m{i}.{v}" for i, v in marks] + [f"a{i}.{v}" for i, v in attendance] +
                   [f"r{i}" for i in remarks])
    return hashlib.sha1(",".join(parts).encode()).hexdigest()


def _facts_rows(student, monday: dt.date):
    span = {"sid": student.id, "date_from": monday, "date_to": monday + dt.timedelta(days=6)}
    lessons = {"cid": student.school_class_id, "school": student.school_id, **span}
    return MARKS.rows(**lessons), ATTENDANCE.rows(**lessons), REMARKS.rows(**span)


def _facts(marks, attendance, remarks) -> tuple[str, int, int, int]:
    fp = fingerprint([(m[0], m[6]) for m in marks], [(a[0], a[4]) for a in attendance], [r[0] for r in remarks])
    return fp, len(marks), sum(a[2] in ABSENT for a in attendance), len(remarks)


def week_facts(student, monday: dt.date) -> tuple[str, int, int, int]:
    """(fingerprint, marks, absences, remarks) of a pupil's week; three queries.

    :param student: a roster ``Student`` (or its id)
    """
    if isinstance(student, int):
        from zhurnal.plugins.roster.models import Student
        student = Student.get_by_id(student)
    return _facts(*_facts_rows(student, monday))


# --- the week's shape ----------------------------------------------------------------------------

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

    :param student: with ``school_class`` loaded (or ``None`` for a pupil out of class)
    :returns: dict with ``days`` (each ``lessons`` and ``remarks``), ``fingerprint`` and counts.
        Days, lessons, marks and remarks have the keys of the API's ``DayOut``, ``LessonOut``,
        ``MarkOut`` and ``RemarkOut``, in their order (:func:`week_json` relies on it).
    """
    sunday = monday + dt.timedelta(days=6)
    today = clock.today()
    dates = week_dates(monday)
    cid = student.school_class_id
    span = {"date_from": monday, "date_to": sunday}
    lessons = LESSONS.rows(sid=student.id, cid=cid, school=student.school_id, **span)
    marks, attendance, remarks = _facts_rows(student, monday)
    holidays = HOLIDAYS.rows(year=student.school_class.year_id if cid else None, **span)
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
    timetable = TIMETABLE.rows(sid=student.id, cid=cid, **span, **{
        name: (weekday if weekday in wanted else 0) for weekday, name in enumerate(WEEKDAY_SLOTS, 1)})

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


# --- a reader opens the week -------------------------------------------------------------------------

def open_week(reader, monday: dt.date, *, via: str) -> dict:
    """The week of ``reader.student`` as ``reader.user`` sees it, noting the visit (a guardian or
    the pupil) or auditing the read (staff). ``reader`` is the request's one access check."""
    from . import acknowledgement, visits
    from .access import record_read
    user, student = reader.user, reader.student
    data = build_week(student, monday)
    data["role"] = reader.role
    data["news"] = None
    if reader.family:
        seen = visits.visit(user, student, reader.role)
        data["news"] = visits.news_since(student.id, seen.previous_at)
    else:
        record_read(user, student, "week", via=via, week=monday)
    data["acknowledgements"] = acknowledgement.states(student.id, monday, data["fingerprint"])
    mine = next((a for a in data["acknowledgements"] if a["user_id"] == user.id), None)
    data["my_ack"] = mine
    data["can_acknowledge"] = (reader.may_acknowledge and monday <= monday_of(clock.today()) and
                               not (mine and mine["current"]))
    return data


# --- the week as JSON (the API) ----------------------------------------------------------------------
# :class:`.schemas.WeekOut` documents the answer (OpenAPI) and stays its definition: week_json
# gives exactly ``WeekOut().dump(data)`` (same keys in the same order, same values and types;
# tests/plugins/diary/test_week_json.py compares them on the demo's weeks). It exists because
# marshmallow's nested dump of a week (a few thousand field calls) costs more than reading the
# week. build_week makes days, lessons, marks and remarks with the keys of DayOut, LessonOut,
# MarkOut and RemarkOut in their order; here they are copied with dates and times in ISO 8601.
# A field added to one of those schemas must be added there (the test fails until it is).

def _mark_json(m: dict) -> dict:  # MarkOut
    return {**m, "weight": float(m["weight"]), "at": iso(m["at"])}


def _lesson_json(x: dict) -> dict:  # LessonOut
    return {**x, "start": iso(x["start"]), "end": iso(x["end"]), "homework_due": iso(x["homework_due"]),
            "marks": [_mark_json(m) for m in x["marks"]]}


def _day_json(d: dict) -> dict:  # DayOut
    return {**d, "date": d["date"].isoformat(), "lessons": [_lesson_json(x) for x in d["lessons"]],
            "remarks": [{**r, "date": r["date"].isoformat()} for r in d["remarks"]]}


def _student_json(st) -> dict:  # StudentOut
    class_id = st.school_class_id
    return {"id": st.id, "name": st.full_name, "class": st.school_class.name if class_id else None,
            "class_id": class_id}


def _news_json(n: dict | None) -> dict | None:  # NewsOut
    if n is None:
        return None
    return {
        "since": iso(n["since"]), "total": n["total"],
        "marks": [{"id": m["id"], "value": m["value"], "subject": m["subject"], "date": iso(m["date"]),
                   "kind": m["kind"], "comment": m["comment"], "changed": m["changed"]} for m in n["marks"]],
        "absences": [{"id": a["id"], "status": a["status"], "reason": a["reason"], "date": iso(a["date"]),
                      "number": a["number"], "subject": a["subject"]} for a in n["absences"]],
        "remarks": [{"id": r["id"], "kind": r["kind"], "text": r["text"], "date": iso(r["date"]),
                     "subject": r["subject"], "teacher": r["teacher"]} for r in n["remarks"]],
    }


def week_json(data: dict) -> dict:  # WeekOut
    return {
        "student": _student_json(data["student"]),
        "week": data["week"].isoformat(), "prev_week": data["prev_week"].isoformat(),
        "next_week": data["next_week"].isoformat(), "today": data["today"].isoformat(),
        "days": [_day_json(d) for d in data["days"]],
        "counts": dict(data["counts"]),
        "acknowledgements": [{"user_id": a["user_id"], "guardian": a["guardian"], "at": iso(a["at"]),
                              "current": a["current"]} for a in data["acknowledgements"]],
        "can_acknowledge": data["can_acknowledge"],
        "news": _news_json(data["news"]),
    }
