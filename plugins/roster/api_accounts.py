"""Roster API: students' and guardians' accounts (a login slip's one-time code, shown once)."""
from __future__ import annotations

from flask import g
from flask_babel import gettext as _

from zhurnal.core.api import conflict, endpoint

from . import lookup, service
from .blueprints import api as bp
from .schemas import AccountOut


def _issue(person):
    try:
        issued = service.issue_account(person, by=g.user)
    except service.AccountStopped:
        raise conflict(_("This account is stopped. An administrator must deal with it first."))
    resp = AccountOut().dump(issued)
    return resp, 201


@endpoint(bp, "/students/<id:student_id>/account", ["POST"], status=201,
          summary="Issue the student's account, or a new password for it (shown once)")
def issue_student_account(student_id):
    return _issue(lookup.find_student(student_id, "roster.accounts.issue"))


@endpoint(bp, "/guardians/<id:guardian_id>/account", ["POST"], status=201,
          summary="Issue the guardian's account, or a new password for it (shown once)")
def issue_guardian_account(guardian_id):
    return _issue(lookup.find_guardian(guardian_id, "roster.accounts.issue"))
