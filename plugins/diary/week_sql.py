"""The week view's queries, read from the journal's and the roster's public models.

Which lessons and timetable slots concern a student follows the journal's rule
(:func:`plugins.journal.service.student_lessons`, ``timetable_for_student``):
the class's whole-class lessons and the lessons of the student's own groups,
without whole-class lessons of a subject the student studies on an individual
plan. The rule is written here with subqueries so that each statement has one
fixed shape (see :mod:`core.prepared`); ``tests/plugins/diary/test_week_sql.py``
checks that both give the same lessons and slots.
"""
from __future__ import annotations

import peewee as pw

from core.identity.models import User
from plugins.journal.models import (Attendance, BellTime, Lesson, Mark, Remark, TimetableChange, TimetableEntry,
                                    WorkKind)
from plugins.roster.models import GroupMember, Holiday, StudyGroup, Subject

from .models import Acknowledgement, Visit
from core.prepared import Prepared, slot

Teacher = User.alias("teacher")
Substitute = User.alias("substitute")


def _my_groups():
    return GroupMember.select(GroupMember.group).where(GroupMember.student == slot("sid"))


def _my_individual_subjects():
    return (GroupMember.select(StudyGroup.subject).join(StudyGroup)
            .where((GroupMember.student == slot("sid")) & (StudyGroup.kind == "individual") &
                   StudyGroup.subject.is_null(False)))


def _of_class(model):
    """Rows of ``model`` (Lesson or TimetableEntry) of the student's class that concern them:
    whole-class ones, except subjects they study on an individual plan, and their groups' ones."""
    return ((model.school_class == slot("cid")) &
            ((model.group.is_null() & model.subject.not_in(_my_individual_subjects())) |
             model.group.in_(_my_groups())))


def _of_groups(model):
    """Rows of ``model`` of the student's groups, whatever the class (a stream, a student out of class)."""
    return model.group.in_(_my_groups())


def _week_lesson_ids():
    """Ids of the week's lessons that concern the student: the rule above, read through the indexes.

    The two parts are separate SELECTs (an id found by both is simply listed twice) so that
    each is read through its own index with the dates: the class's lessons through (class,
    subject, date), the groups' through (group, date); as one OR, SQLite read every lesson
    of the class's year and kept the week's. The subject condition is always true (the
    journal gives a lesson only a subject of its school): it lets the class's index reach
    the dates, subject by subject.
    """
    in_week = Lesson.date.between(slot("date_from"), slot("date_to"))
    school_subjects = Subject.select(Subject.id).where(Subject.school == slot("school"))
    return (Lesson.select(Lesson.id).where(_of_class(Lesson) & Lesson.subject.in_(school_subjects) & in_week)
            .union_all(Lesson.select(Lesson.id).where(_of_groups(Lesson) & in_week)))


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
#: weekday's number to read its slots, 0 to skip it (the week view asks only for days without lessons)
WEEKDAY_SLOTS = tuple(f"day{i}" for i in range(1, 8))

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
    .where((_of_class(TimetableEntry) | _of_groups(TimetableEntry)) &
           TimetableEntry.weekday.in_([slot(name) for name in WEEKDAY_SLOTS]))
    .order_by(TimetableEntry.weekday, TimetableEntry.number, TimetableEntry.id)))

#: (id, lesson_id, value, weight, comment, updated_at, version, kind name, kind code)
MARKS = Prepared(lambda: (
    Mark.select(Mark.id, Mark.lesson, Mark.value, Mark.weight, Mark.comment, Mark.updated_at, Mark.version,
                WorkKind.name, WorkKind.code)
    .join(Lesson, on=(Mark.lesson == Lesson.id)).switch(Mark).join(WorkKind, on=(Mark.kind == WorkKind.id))
    .where((Mark.student == slot("sid")) & Lesson.date.between(slot("date_from"), slot("date_to")))
    .order_by(Lesson.date, Lesson.number, Mark.id)))

#: (id, lesson_id, status, reason, version)
ATTENDANCE = Prepared(lambda: (
    Attendance.select(Attendance.id, Attendance.lesson, Attendance.status, Attendance.reason, Attendance.version)
    .join(Lesson, on=(Attendance.lesson == Lesson.id))
    .where((Attendance.student == slot("sid")) & Lesson.date.between(slot("date_from"), slot("date_to")))))

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

#: (id, last_at, previous_at, count)
VISIT = Prepared(lambda: (
    Visit.select(Visit.id, Visit.last_at, Visit.previous_at, Visit.count)
    .where((Visit.user == slot("uid")) & (Visit.student == slot("sid")))))

#: (id, user_id, display name, at, fingerprint), oldest first
ACKS = Prepared(lambda: (
    Acknowledgement.select(Acknowledgement.id, Acknowledgement.user, User.display_name, Acknowledgement.at,
                           Acknowledgement.fingerprint)
    .join(User, on=(Acknowledgement.user == User.id))
    .where((Acknowledgement.student == slot("sid")) & (Acknowledgement.week == slot("week")))
    .order_by(Acknowledgement.at, Acknowledgement.id)))
