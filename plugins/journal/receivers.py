"""Signal receivers of the journal (connected in ``zhurnal_app_ready``)."""
from __future__ import annotations

import datetime as dt

from zhurnal.core.identity.models import User

from . import service


def _user(by):
    if by is None or isinstance(by, User):
        return by
    return User.get_or_none(User.id == by)


def _date(x):
    return x if isinstance(x, dt.date) else dt.date.fromisoformat(str(x))


def on_medical_certificate_changed(sender, *, certificate_id, student_id, date_from, date_to, action, by=None,
                                   school_id=None, **_):
    """A medical certificate justifies the absences it covers; removing it withdraws that.

    "added": the student's "absent"/"ill" records in lessons within the dates become
    "valid", ``justified_by="health_sheet:certificate:<id>"``; "removed": those go back
    to the status they had.
    """
    tag = service.certificate_tag(certificate_id)
    if action == "added":
        service.justify_absences(student_id, _date(date_from), _date(date_to), justified_by=tag,
                                 by=_user(by), school_id=school_id)
    elif action == "removed":
        service.unjustify_absences(student_id, justified_by=tag, by=_user(by), school_id=school_id)
