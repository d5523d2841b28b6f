"""Journal permissions and their default grants.

A subject teacher's role is school-wide; the ``teacher`` checks narrow it to the
classes, groups and subjects they teach (``roster`` teaching assignments) and to
lessons they give as a substitute. A class teacher's role is scoped to their
class: they read all of its journal but edit only where they also teach.
Nobody holds ``journal.closed_period.edit`` by default: a deployment grants it
in ``[grants]``.
"""
from __future__ import annotations

import peewee as pw
from flask import g

from zhurnal.core.access import Permission
from zhurnal.core.prepared import Prepared, slot
from zhurnal.plugins.roster import service as roster
from zhurnal.plugins.roster.models import Student, StudyGroup, TeachingAssignment

from .models import Lesson
from .scope import JournalOf, PupilOf

ADMINISTRATION = ("director", "deputy")


_TEACHING = Prepared(lambda: TeachingAssignment.select(
    TeachingAssignment.subject, TeachingAssignment.school_class, TeachingAssignment.group, StudyGroup.school_class)
    .join(StudyGroup, on=(TeachingAssignment.group == StudyGroup.id), join_type=pw.JOIN.LEFT_OUTER)
    .where(TeachingAssignment.teacher == slot("teacher")))


def teaching(user) -> list[tuple[int, int | None, int | None, int | None]]:
    """``(subject, class, group, group's class)`` the user teaches; loaded once per request."""
    cache = g.setdefault("_journal_teaching", {})
    if user.id not in cache:
        cache[user.id] = _TEACHING.rows(teacher=user.id)
    return cache[user.id]


def teaches_target(user, subject_id, class_id=None, group_id=None) -> bool:
    for subj, cls, grp, grp_cls in teaching(user):
        if subject_id is not None and subj != subject_id:
            continue
        if group_id is not None:
            if grp == group_id:
                return True
        elif class_id is not None and (cls == class_id or (subject_id is None and grp_cls == class_id)):
            # a class's journal in a subject is the whole class's: a teacher of one group of it
            # reads and writes that group's journal only (the same scope as the group's grid)
            return True
    return False


def teaches_lesson(user, lesson: Lesson) -> bool:
    if lesson.teacher_id == user.id:
        return True
    if lesson.group_id:
        return teaches_target(user, lesson.subject_id, group_id=lesson.group_id)
    return teaches_target(user, lesson.subject_id, class_id=lesson.school_class_id)


def teaches_student(user, class_id: int | None, student_id: int) -> bool:
    """Does the user teach the student's whole class, or a group the student is in?
    (:func:`roster.taught_by <zhurnal.plugins.roster.service.taught_by>`; no query when the class answers.)"""
    rows = teaching(user)
    if class_id is not None and any(cls == class_id for _s, cls, _g, _gc in rows):
        return True
    return any(grp for _s, _c, grp, _gc in rows) and Student.select().where(
        (Student.id == student_id) & roster.taught_by(user.id)).exists()


def teacher_check(user, obj, scope) -> bool:
    """The ``teacher`` role acts only where the user teaches."""
    if isinstance(obj, Lesson):
        return teaches_lesson(user, obj)
    if isinstance(obj, JournalOf):
        if obj.group_id is not None:
            return teaches_target(user, obj.subject_id, group_id=obj.group_id)
        return teaches_target(user, obj.subject_id, class_id=obj.class_id)
    if isinstance(obj, PupilOf):
        return teaches_student(user, obj.class_id, obj.student_id)
    return False


TEACHER = {"teacher": teacher_check}

PERMISSIONS = [
    Permission("journal.read", "Read the journal (lessons, marks, attendance) of a class or group",
               roles=ADMINISTRATION + ("class_teacher", "teacher"), checks=TEACHER),
    Permission("journal.summary.read", "See a class's summary across all subjects (averages, term marks)",
               roles=ADMINISTRATION + ("class_teacher",)),
    Permission("journal.lesson.write", "Add lessons, set topics, homework and control works",
               roles=("teacher",), checks=TEACHER),
    Permission("journal.mark.write", "Enter, change and delete marks", roles=("teacher",), checks=TEACHER),
    Permission("journal.attendance.write", "Record absences and late arrivals", roles=("teacher",), checks=TEACHER),
    Permission("journal.term_mark.write", "Set period and year marks", roles=("teacher",), checks=TEACHER),
    Permission("journal.remark.write", "Write remarks and recommendations to students",
               roles=("teacher", "class_teacher"), checks=TEACHER),
    Permission("journal.history.read", "See the change history of marks and attendance",
               roles=ADMINISTRATION + ("class_teacher", "teacher"), checks=TEACHER),
    Permission("journal.timetable.read", "See the school's timetable and control work schedule",
               roles=ADMINISTRATION + ("class_teacher", "teacher")),
    Permission("journal.timetable.manage", "Edit the timetable and bell times, generate lessons",
               roles=ADMINISTRATION),
    Permission("journal.period.close", "Close and reopen reporting periods", roles=ADMINISTRATION),
    Permission("journal.attendance.justify", "Excuse a student's absences for a reason (a note from the family)",
               roles=("deputy", "class_teacher")),
    Permission("journal.settings.manage", "Set marking scales of subjects and kinds of work with their weights",
               roles=ADMINISTRATION),
    Permission("journal.closed_period.edit", "Edit the journal of a closed period (audited)", roles=()),
]
