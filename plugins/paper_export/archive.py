"""The journal archive: a class's journal subject by subject as one PDF, with a checksum of
its data recorded, embedded in the PDF's metadata and printed in every page's footer, so a
paper copy can be matched to the database later (:func:`verify`)."""
from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass

from zhurnal.core import audit
from zhurnal.core.db import database
from zhurnal.core.identity.models import School
from zhurnal.plugins.roster.models import SchoolClass

from . import data, render
from .models import Archive

#: PDF document information keys (custom metadata: WeasyPrint writes meta names in lower case)
META_ID = "zhurnalarchiveid"
META_SUM = "zhurnalchecksum"


def checksum(cls: SchoolClass, date_from, date_to, subjects=None) -> str:
    """SHA-256 of the class journal's data for the dates, in a fixed order."""
    subjects = data.class_journal(cls, date_from, date_to) if subjects is None else subjects
    facts = {"class": cls.id, "from": date_from.isoformat(), "to": date_to.isoformat(),
             "subjects": data.journal_facts(subjects)}
    return hashlib.sha256(json.dumps(facts, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def make_archive(cls: SchoolClass, date_from, date_to, *, by=None, batch=None) -> tuple[bytes, int]:
    """Lay out the archive and record its checksum; returns (PDF, pages)."""
    subjects = data.class_journal(cls, date_from, date_to)
    digest = checksum(cls, date_from, date_to, subjects)
    uid = secrets.token_hex(8)
    school = School.get_by_id(cls.school_id)
    markup = render.html("paper_export/archive.html", cls=cls, school=school, subjects=subjects, uid=uid,
                         digest=digest, date_from=date_from, date_to=date_to, teacher=data.teacher_name(cls),
                         meta_id=META_ID, meta_sum=META_SUM)
    doc = render.document(markup)
    pdf = render.join([doc])
    with database.atomic():
        a = Archive.create(uid=uid, school=cls.school_id, school_class=cls.id, date_from=date_from, date_to=date_to,
                           checksum=digest, created_by=by, batch=batch.id if batch else None)
        audit.record("paper_export.archive.make", a, user=by, school_id=cls.school_id,
                     data={"uid": uid, "checksum": digest, "class": cls.name, "from": date_from.isoformat(),
                           "to": date_to.isoformat()})
    return pdf, len(doc.pages)


@dataclass
class Verdict:
    ok: bool
    message: str
    archive: Archive | None = None


def read_meta(path_or_stream) -> tuple[str | None, str | None]:
    """(archive id, checksum) from a PDF's document information."""
    from pypdf import PdfReader
    meta = PdfReader(path_or_stream).metadata or {}
    return meta.get("/" + META_ID), meta.get("/" + META_SUM)


def verify(path_or_stream) -> Verdict:
    """Match a printed archive to the database: its recorded checksum and the data as it is now."""
    try:
        uid, digest = read_meta(path_or_stream)
    except Exception as e:  # not a PDF, or damaged
        return Verdict(False, f"not a readable PDF: {str(e)[:120]}")
    if not uid:
        return Verdict(False, "not a Zhurnal journal archive (no archive id in the PDF)")
    a = Archive.get_or_none(Archive.uid == uid)
    if a is None:
        return Verdict(False, f"archive {uid} is not recorded in this database")
    if digest != a.checksum:
        return Verdict(False, f"archive {uid}: the file's checksum differs from the one recorded", a)
    cls = SchoolClass.get_by_id(a.school_class_id)
    now = checksum(cls, a.date_from, a.date_to)
    if now != a.checksum:
        return Verdict(False, f"archive {uid}: the journal of {cls.name} changed since it was printed "
                              f"({a.created_at:%Y-%m-%d})", a)
    return Verdict(True, f"archive {uid} of class {cls.name}, {a.date_from} – {a.date_to}: "
                         f"matches the database (sha256 {a.checksum[:16]}…)", a)
