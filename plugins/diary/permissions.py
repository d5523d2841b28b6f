"""Diary permissions and their default grants.

Scopes narrow them, as everywhere: a parent's role is scoped to each child, a
student's to themself, a class teacher's to their class. A subject teacher
holds a school-wide role, so writing to a family needs the extra check that
they teach that student.
"""
from zhurnal.core.access import Permission


def _teaches_student(user, obj, scope) -> bool:
    """A subject teacher may write about a student they teach (their class or one of their groups)."""
    from zhurnal.plugins.roster import service as roster
    from zhurnal.plugins.roster.models import Student
    if not isinstance(obj, Student):
        return False
    return user.id in roster.teachers_of_student(obj)


ADMINISTRATION = ("director", "deputy")

PERMISSIONS = [
    Permission("diary.week.read", "Read a student's diary: week, marks, timetable, control works",
               roles=("parent", "student", "class_teacher") + ADMINISTRATION),
    Permission("diary.acknowledge", "Acknowledge a week of a child's diary", roles=("parent",)),
    Permission("diary.control.read", "See which guardians acknowledged the diary of a class; export it",
               roles=("class_teacher",) + ADMINISTRATION),
    Permission("diary.message.read", "Read one's own message threads with the school or the families",
               roles=("parent", "teacher", "class_teacher")),
    Permission("diary.message.send", "Write to the teachers or the guardians of a student",
               roles=("parent", "teacher", "class_teacher"), checks={"teacher": _teaches_student}),
    Permission("diary.announce", "Send an announcement to all guardians of a class", roles=("class_teacher",)),
    Permission("diary.help.read", "Read the diary's help pages",
               roles=("admin", "director", "deputy", "teacher", "class_teacher", "nurse", "parent", "student",
                      "support")),
]
