"""A pupil's school calendar: the timetable as it stands today, the control works ahead and the
holidays of the year (the diary's «Расписание» tab). A fixed number of queries."""
from __future__ import annotations

from zhurnal.core import clock
from zhurnal.plugins.journal import service as journal
from zhurnal.plugins.roster.models import Holiday, Student


WEEKDAYS = range(1, 8)


def calendar(student: Student) -> dict:
    """The timetable (as it stands today), the control works ahead and the holidays of the year."""
    today = clock.today()
    timetable = journal.timetable_for_student(student, day=today)
    bells = {b.number: b for b in journal.bells(student.school_id)}
    controls = journal.control_works(student=student, date_from=today)
    holidays = []
    if student.school_class_id:
        holidays = list(Holiday.select().where(Holiday.year == student.school_class.year_id)
                        .order_by(Holiday.start))
    days = []
    for wd in WEEKDAYS:
        slots = [{"number": e.number, "subject": e.subject.name, "room": e.room,
                  "teacher": e.teacher.display_name if e.teacher_id and e.teacher else "",
                  "group": e.group.name if e.group_id and e.group else "",
                  "start": bells[e.number].start if e.number in bells else None,
                  "end": bells[e.number].end if e.number in bells else None}
                 for e in timetable if e.weekday == wd]
        if slots or wd <= 5:
            days.append({"weekday": wd, "lessons": slots})
    return {
        "student": student, "today": today, "timetable": days,
        "control_works": [{"lesson_id": c.id, "date": c.date, "number": c.number, "subject": c.subject.name,
                           "title": c.control_title, "teacher": c.teacher.display_name if c.teacher_id else ""}
                          for c in controls],
        "holidays": [{"name": h.name, "start": h.start, "end": h.end, "past": h.end < today} for h in holidays],
    }
