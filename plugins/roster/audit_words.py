"""How the roster's audit entries read (``zhurnal_audit_vocabulary``)."""
from __future__ import annotations

import peewee as pw
from flask import url_for
from flask_babel import lazy_gettext as _l

from zhurnal.core.audit_view import AuditVocabulary

from .models import Guardian, SchoolClass, Student, StudentGuardian


def _ints(ids):
    return [int(i) for i in ids if str(i).isdigit()]


def students(ids):
    rows = (Student.select(Student.id, Student.last_name, Student.first_name, Student.middle_name, SchoolClass.parallel,
                           SchoolClass.letter).join(SchoolClass, on=(Student.school_class == SchoolClass.id), join_type=pw.JOIN.LEFT_OUTER)
            .where(Student.id.in_(_ints(ids))).objects())
    return {str(s.id): (f"{s.full_name}" + (f", {s.parallel}{s.letter}" if s.parallel else ""),
                        url_for("roster.card", student_id=s.id)) for s in rows}


def guardians(ids):
    return {str(x.id): (x.full_name, None) for x in Guardian.select().where(Guardian.id.in_(_ints(ids)))}


def classes(ids):
    return {str(c.id): (c.name, url_for("roster.class_list", class_id=c.id))
            for c in SchoolClass.select().where(SchoolClass.id.in_(_ints(ids)))}


def class_objects(class_id: int):
    pupils = Student.select(Student.id.cast("VARCHAR")).where(Student.school_class == class_id)
    parents = (StudentGuardian.select(StudentGuardian.guardian.cast("VARCHAR")).join(Student)
               .where(Student.school_class == class_id))
    return [("roster_student", pupils), ("roster_guardian", parents),
            ("roster_class", SchoolClass.select(SchoolClass.id.cast("VARCHAR")).where(SchoolClass.id == class_id))]


def class_choices(school_id: int):
    from zhurnal.core import clock
    from . import service
    year = service.current_year(school_id, clock.today())
    return [(c.id, c.name) for c in service.classes(school_id, year)] if year else []


def vocabulary() -> AuditVocabulary:
    return AuditVocabulary(
        actions={
            "roster.student.create": _l("added a student"), "roster.student.update": _l("changed a student's data"),
            "roster.student.left": _l("recorded that a student left"), "roster.student.read": _l("opened a student's card"),
            "roster.student.card": _l("opened a student's card"),
            "roster.guardian.create": _l("added a parent"), "roster.guardian.update": _l("changed a parent's data"),
            "roster.guardian.link": _l("linked a parent to a child"), "roster.guardian.unlink": _l("unlinked a parent"),
            "roster.guardian.read": _l("opened a parent's data"),
            "roster.account.issue": _l("issued login credentials"), "roster.import": _l("imported a class list"),
            "roster.import.mapping": _l("saved how the columns of class lists are read"),
            "roster.export": _l("exported a class list"), "roster.class": _l("changed a class"),
            "roster.class.create": _l("created a class"), "roster.class.teacher": _l("appointed a class teacher"),
            "roster.group": _l("changed a study group"), "roster.teaching": _l("changed who teaches what"),
            "roster.year.create": _l("created a school year"), "roster.holiday": _l("changed the holidays"),
            "roster.subject.create": _l("added a subject"), "roster.school": _l("changed the school's data"),
        },
        objects={"roster_student": students, "roster_guardian": guardians, "roster_class": classes},
        kinds={_l("Students' and parents' data"): ["roster.student", "roster.guardian", "roster.import", "roster.export"],
               _l("Login credentials"): ["roster.account"],
               _l("School structure"): ["roster.class", "roster.group", "roster.teaching", "roster.year",
                                        "roster.holiday", "roster.subject", "roster.school"]},
        class_objects=class_objects, class_choices=class_choices,
    )
