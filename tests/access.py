"""The role x endpoint table: who may call each endpoint of the app, and who may not.

Each plugin keeps its rows in ``tests/plugins/<name>/access_table.py`` as a list
``CASES`` of :class:`Case`; the kernel's are in ``tests/core/access_table.py``.
``tests/test_access_matrix.py`` runs every case for every standard demo login
and fails when an endpoint of the app has no case at all.

A case names the logins that are allowed; **every other standard login must be
refused** (403 or 404), and an anonymous request gets 401 (API) or a redirect
to the login page (pages). Paths may use placeholders filled from the demo
school (see :func:`demo_ids`) plus whatever ``setup(app, login)`` returns;
``setup`` runs before each login's request, so a write can have a fresh target.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

#: every demo login a case is checked for
STANDARD_LOGINS = ("admin", "director", "deputy", "teacher", "klass5a", "nurse", "parent1", "parent2",
                   "student1", "support", "fizruk")

#: endpoints open to everyone (no login needed)
PUBLIC_ENDPOINTS = {"static", "identity.login", "ui.set_language", "ui.healthz", "openapi_json",
                    "ops.readyz", "ops.metrics",
                    "core_api.login", "core_api.logout", "identity.logout", "core_api.request_unlock_code",
                    "identity.send_unlock_code",
                    "diary.ack_link",  # a signed single-use link stands for its guardian
                    "notify_telegram_api.webhook"}  # Telegram's secret header stands for the bot (tested in its plugin)


@dataclass
class Case:
    endpoint: str
    method: str
    path: str
    allow: tuple[str, ...]
    json: dict | Callable | None = None
    data: dict | None = None
    setup: Callable | None = None
    #: statuses that count as "allowed" (default: anything below 400, plus 409/422 when
    #: the request reached validation, which only an allowed user can)
    ok: tuple[int, ...] = ()
    note: str = ""
    logins: tuple[str, ...] = field(default=STANDARD_LOGINS)


def demo_ids(app) -> dict:
    """Placeholders for paths: ids of well-known demo objects."""
    from zhurnal.core.identity.models import School, User
    from zhurnal.plugins.roster.models import SchoolClass, Student, StudentGuardian, Guardian, Subject, StudyGroup
    with app.app_context():
        def uid(login):
            return User.get(User.login == login).id
        s1 = Student.get(Student.user == uid("student1"))
        p1_children = [s.id for s in Student.select().join(StudentGuardian).join(Guardian)
                       .where(Guardian.user == uid("parent1")).order_by(Student.id)]
        sibling = next(i for i in p1_children if i != s1.id)
        p2_child = (Student.select().join(StudentGuardian).join(Guardian).where(Guardian.user == uid("parent2")).get())
        c5a = SchoolClass.get((SchoolClass.parallel == 5) & (SchoolClass.letter == "А"))
        c6b = SchoolClass.get((SchoolClass.parallel == 6) & (SchoolClass.letter == "Б"))
        other_5a = (Student.select().where((Student.school_class == c5a) & Student.id.not_in([s1.id, p2_child.id]))
                    .order_by(Student.id.desc()).get())
        return {
            "school": School.select().get().id,
            "student1": s1.id, "sibling": sibling, "parent2_child": p2_child.id, "other_5a": other_5a.id,
            "class_5a": c5a.id, "class_6b": c6b.id,
            "subject_math": Subject.get(Subject.name == "Математика").id,
            "subject_russian": Subject.get(Subject.name == "Русский язык").id,
            "group_5a_english1": StudyGroup.get(StudyGroup.name == "5А английский, группа 1").id,
            "guardian_parent1": Guardian.get(Guardian.user == uid("parent1")).id,
            "user_teacher": uid("teacher"), "user_parent2": uid("parent2"), "user_klass5a": uid("klass5a"),
        }
