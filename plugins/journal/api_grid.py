"""Journal API: the journal grid of a class or a study group in a subject.
"""
from __future__ import annotations


from flask import g

from zhurnal.core.api import endpoint, invalid
from zhurnal.plugins.roster.models import StudyGroup, Subject

from . import grid as grids
from .api_common import _class_or_404, _group_or_404, _range, _ref, _require, bp
from .schemas import GroupJournalQuery, JournalQuery
from .scope import JournalOf


@endpoint(bp, "/classes/<id:class_id>/journal", ["GET"], summary="The journal grid of a class in a subject",
          query=JournalQuery)
def class_journal(class_id: int, args):
    cls = _class_or_404(class_id)
    subject = _ref(Subject, args["subject_id"], "subject_id", "subject")
    grp = None
    if args["group_id"] is not None:
        grp = _ref(StudyGroup, args["group_id"], "group_id", "group")
        _require("journal.read", JournalOf.of_group(grp, subject.id))
    else:
        _require("journal.read", JournalOf.of_class(cls, subject.id))
    period, a, b = _range(args, cls.year_id)
    grid = grids.build(g.user, subject=subject, school_class=None if grp else cls, group=grp, period=period,
                       date_from=a, date_to=b, encoded=True)
    return grid.response()


@endpoint(bp, "/groups/<id:group_id>/journal", ["GET"], summary="The journal grid of a study group",
          query=GroupJournalQuery)
def group_journal(group_id: int, args):
    grp = _group_or_404(group_id)
    subject = _ref(Subject, args["subject_id"] or grp.subject_id, "subject_id", "subject")
    if subject is None:
        raise invalid({"subject_id": "Missing data for required field."})
    _require("journal.read", JournalOf.of_group(grp, subject.id))
    period, a, b = _range(args, grp.year_id)
    return grids.build(g.user, subject=subject, group=grp, period=period, date_from=a, date_to=b,
                       encoded=True).response()
