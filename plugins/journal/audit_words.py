"""How the journal's audit entries read (``zhurnal_audit_vocabulary``)."""
from __future__ import annotations

from flask import url_for
from flask_babel import format_date, lazy_gettext as _l

from zhurnal.core.audit_view import AuditVocabulary
from zhurnal.plugins.roster.models import Student, Subject

from .models import Attendance, Lesson, Mark


def _ints(ids):
    return [int(i) for i in ids if str(i).isdigit()]


def marks(ids):
    rows = (Mark.select(Mark.id, Mark.value, Mark.lesson, Lesson.date, Subject.name, Student.last_name,
                        Student.first_name).join(Lesson).join(Subject).switch(Mark).join(Student)
            .where(Mark.id.in_(_ints(ids))).objects())
    return {str(m.id): (f"{m.value} — {m.last_name} {m.first_name}, {m.name}, {format_date(m.date, 'short')}",
                        url_for("journal.lesson_page", lesson_id=m.lesson_id)) for m in rows}


def attendance(ids):
    rows = (Attendance.select(Attendance.id, Attendance.status, Attendance.lesson, Lesson.date, Subject.name, Student.last_name,
                              Student.first_name).join(Lesson).join(Subject).switch(Attendance).join(Student)
            .where(Attendance.id.in_(_ints(ids))).objects())
    return {str(a.id): (f"{a.last_name} {a.first_name}, {a.name}, {format_date(a.date, 'short')}",
                        url_for("journal.lesson_page", lesson_id=a.lesson_id)) for a in rows}


def lessons(ids):
    rows = Lesson.select(Lesson.id, Lesson.date, Subject.name).join(Subject).where(Lesson.id.in_(_ints(ids))).objects()
    return {str(x.id): (f"{x.name}, {format_date(x.date, 'short')}", url_for("journal.lesson_page", lesson_id=x.id))
            for x in rows}


def class_objects(class_id: int):
    pupils = Student.select(Student.id).where(Student.school_class == class_id)
    return [("journal_mark", Mark.select(Mark.id.cast("VARCHAR")).where(Mark.student.in_(pupils))),
            ("journal_attendance", Attendance.select(Attendance.id.cast("VARCHAR")).where(Attendance.student.in_(pupils))),
            ("journal_lesson", Lesson.select(Lesson.id.cast("VARCHAR")).where(Lesson.school_class == class_id))]


def vocabulary() -> AuditVocabulary:
    return AuditVocabulary(
        actions={
            "journal.mark.create": _l("gave a mark"), "journal.mark.update": _l("changed a mark"),
            "journal.mark.delete": _l("deleted a mark"), "journal.attendance.set": _l("recorded attendance"),
            "journal.attendance.taken": _l("said attendance was taken"),
            "journal.attendance.justify": _l("excused an absence"), "journal.attendance.unjustify": _l("withdrew an excuse"),
            "journal.term_mark.set": _l("set a period mark"), "journal.remark.create": _l("wrote a remark"),
            "journal.lesson.create": _l("added a lesson"), "journal.lesson.update": _l("changed a lesson's topic or homework"),
            "journal.lessons.generate": _l("planned lessons from the timetable"), "journal.period.close": _l("closed a period"),
            "journal.period.reopen": _l("reopened a period"), "journal.closed_period.edit": _l("changed a closed period"),
            "journal.timetable": _l("changed the timetable"), "journal.bells.set": _l("set the bell times"),
            "journal.scale": _l("changed a marking scale"), "journal.work_kind.set": _l("changed a kind of work"),
        },
        objects={"journal_mark": marks, "journal_attendance": attendance, "journal_lesson": lessons},
        kinds={_l("Marks"): ["journal.mark", "journal.term_mark"], _l("Attendance"): ["journal.attendance"],
               _l("Lessons and timetable"): ["journal.lesson", "journal.timetable", "journal.bells", "journal.period",
                                             "journal.closed_period"],
               _l("Remarks"): ["journal.remark"]},
        class_objects=class_objects,
    )
