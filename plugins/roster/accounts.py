"""Accounts of students and guardians: the login, the one-time activation code of a login slip."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from zhurnal.core import access, audit
from zhurnal.core.db import database
from zhurnal.core.identity import service as identity
from zhurnal.core.identity.models import User

from .models import Guardian, Student, StudentGuardian
from . import signals


def _unique_login(base: str) -> str:
    base = base.strip(".") or "user"
    login, n = base, 1
    while User.select().where(User.login == login).exists():
        n += 1
        login = f"{base}{n}"
    return login


def give_guardian_account(guardian: Guardian, *, login: str | None = None, by=None) -> tuple[User, str]:
    """Create the guardian's account (issued password, to be changed) with a parent role per child."""
    if guardian.user_id:
        raise ValueError("this guardian already has an account")
    from .translit import translit
    with database.atomic():
        login = login or _unique_login(translit(guardian.last_name + "." + guardian.first_name[:1]).lower())
        # a guardian's contacts live in the Guardian record only (core.notify.address)
        user, password = identity.create_user(login, guardian.full_name, school=guardian.school_id)
        Guardian.update(user=user).where(Guardian.id == guardian.id).execute()
        guardian.user = user
        for link in StudentGuardian.select().where(StudentGuardian.guardian == guardian.id):
            access.grant(user, "parent", school=guardian.school_id, scope_type="student", scope_id=link.student_id)
        audit.record("roster.account.issue", guardian, user=by, school_id=guardian.school_id,
                     data={"login": user.login, "reissued": False})
    return user, password


def give_student_account(student: Student, *, login: str | None = None, by=None) -> tuple[User, str]:
    if student.user_id:
        raise ValueError("this student already has an account")
    from .translit import translit
    with database.atomic():
        login = login or _unique_login(translit(student.last_name + "." + student.first_name[:1]).lower())
        user, password = identity.create_user(login, student.full_name, school=student.school_id)
        Student.update(user=user).where(Student.id == student.id).execute()
        student.user = user
        access.grant(user, "student", school=student.school_id, scope_type="student", scope_id=student.id)
        audit.record("roster.account.issue", student, user=by, school_id=student.school_id,
                     data={"login": user.login, "reissued": False})
    return user, password


class AccountStopped(Exception):
    """The person's account is stopped (locked by an admin or reported compromised): no new code."""


@dataclass
class IssuedAccount:
    """What a login slip shows. The one-time activation code exists only here: it is stored
    hashed (:mod:`zhurnal.core.identity.activation`) and never shown again."""
    person: Student | Guardian
    kind: str  # "student" | "guardian"
    login: str
    code: str
    expires_at: dt.datetime
    reissued: bool
    user_id: int = 0


def activation_days() -> int:
    """How many days an activation code on a slip stays valid (setting ``activation_days``)."""
    from flask import current_app
    info = current_app.extensions["zhurnal"].plugins.infos.get("roster")
    return int(((info.settings or {}) if info else {}).get("activation_days", 14))


def issue_account(person: Student | Guardian, *, by=None) -> IssuedAccount:
    """Give the person an account with a one-time activation code, or a new code for the
    account they have (the old code or password stops working and every session of theirs ends).

    :raises AccountStopped: the account is stopped; an administrator must deal with it first
    """
    from zhurnal.core.identity import activation
    kind = "student" if isinstance(person, Student) else "guardian"
    reissued = bool(person.user_id)
    if reissued:
        user = User.get_by_id(person.user_id)
        if not user.is_active:
            raise AccountStopped(user.login)
    with database.atomic():
        if not reissued:
            give = give_student_account if kind == "student" else give_guardian_account
            user, _password = give(person, by=by)  # the generated password is replaced by the code at once
        code, expires = activation.issue(user, days=activation_days(), by=by)
        if reissued:
            audit.record("roster.account.issue", person, user=by, school_id=person.school_id,
                         data={"login": user.login, "reissued": True})
    issued = IssuedAccount(person, kind, user.login, code, expires, reissued, user.id)
    signals.send(signals.account_issued, user_id=user.id, person_kind=kind, person_id=person.id,
                 expires_at=expires, reissued=reissued, by=by, school_id=person.school_id)
    return issued
