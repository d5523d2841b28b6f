"""Roster permissions and their default grants.

Scopes do the narrowing: a class teacher's role is scoped to their class, a
parent's to each child, a student's to themself; school staff to the school.
"""
from zhurnal.core.access import Permission

STAFF = ("admin", "director", "deputy")


def _not_a_stream(user, obj, scope) -> bool:
    """A class teacher sets up the groups of their own class, not a stream that
    gathers several classes of the parallel (the administration does that)."""
    from .models import StudyGroup
    return not (isinstance(obj, StudyGroup) and obj.kind == "stream")


PERMISSIONS = [
    Permission("roster.school.read", "See the school's structure: years, periods, holidays, classes, subjects",
               roles=STAFF + ("teacher", "class_teacher", "nurse", "parent", "student", "support")),
    Permission("roster.school.manage", "Edit years, periods, holidays, subjects, classes and teaching assignments",
               roles=STAFF),
    Permission("roster.class.read", "See class lists", roles=STAFF + ("teacher", "class_teacher", "nurse")),
    Permission("roster.student.card", "Open a student's card with personal data (audited)",
               roles=STAFF + ("class_teacher", "parent", "student")),
    Permission("roster.student.write", "Add students, change their data, move them between classes",
               roles=("admin", "deputy", "class_teacher")),
    Permission("roster.guardian.write", "Add guardians, change their data, link them to students",
               roles=("admin", "deputy", "class_teacher")),
    Permission("roster.group.write", "Create study groups and set their members",
               roles=("admin", "deputy", "class_teacher"), checks={"class_teacher": _not_a_stream}),
    Permission("roster.accounts.issue", "Issue accounts and login slips to students and guardians",
               roles=("admin", "deputy", "class_teacher")),
    Permission("roster.import", "Import and export class lists", roles=("admin", "deputy", "class_teacher")),
]
