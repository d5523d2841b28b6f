"""The consent registry's service API: the only place that writes its tables.

Public for plugins that list ``consent`` in ``depends``. Consent is kept per
guardian **and child** (see :mod:`.models`); the status of (guardian, child)
is its latest record, "none" when nothing is registered. Every registration is
audited in its transaction and announced after commit with
:data:`zhurnal.plugins.consent.signals.consent_changed`, one signal per child.

Rules of a registration (:func:`register`):

* ``status`` is granted, refused or withdrawn; "withdrawn" needs a standing
  consent for every child named (else :class:`Refused` with 409);
* the date of the paper is not in the future, not before 27.07.2006 (152-FZ)
  and not before the latest record of the same guardian and child (a history
  reads in the order it happened);
* the document number is required (where the signed paper is kept is optional);
* the children are the guardian's current children; by default all of them.
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable

import peewee as pw

from zhurnal.core import audit, clock, signals as core_signals
from zhurnal.core.db import database, is_postgres
from zhurnal.core.i18n import N_
from zhurnal.core.prepared import Prepared, slot
from zhurnal.plugins.roster.models import Guardian, SchoolClass, Student, StudentGuardian

from . import signals, texts
from .models import STATUSES, ConsentRecord, ConsentText

#: the day 152-FZ was signed: no consent under it is older
EARLIEST = dt.date(2006, 7, 27)


class Refused(Exception):
    """A registration that cannot be made: ``status`` 409 or 422, ``field`` names the input."""

    def __init__(self, status: int, field: str, message: str, **params) -> None:
        super().__init__(message % params if params else message)
        self.status, self.field, self.message, self.params = status, field, message, params


# --- consent texts ---------------------------------------------------------------------------------

def current_text(school) -> ConsentText:
    """The school's latest consent text; version 1 (the built-in form) is made on first use."""
    school_id = getattr(school, "id", school)
    text = (ConsentText.select().where(ConsentText.school == school_id)
            .order_by(ConsentText.version.desc()).first())
    if text is not None:
        return text
    try:
        with database.atomic():
            return ConsentText.create(school=school_id, version=1, title=texts.DEFAULT_TITLE,
                                      body=texts.DEFAULT_BODY, valid_from=dt.date(2026, 9, 1))
    except pw.IntegrityError:  # made by a concurrent first use
        return ConsentText.get((ConsentText.school == school_id) & (ConsentText.version == 1))


def text_versions(school) -> list[ConsentText]:
    current_text(school)
    return list(ConsentText.select().where(ConsentText.school == getattr(school, "id", school))
                .order_by(ConsentText.version.desc()))


def publish_text(school, title: str, body: str, valid_from: dt.date, *, by=None) -> ConsentText:
    """A new version of the school's consent form; earlier records keep the version they were signed on."""
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise Refused(422, "title", N_("Required field."))
    if not body:
        raise Refused(422, "body", N_("Required field."))
    school_id = getattr(school, "id", school)
    with database.atomic():
        last = current_text(school_id)
        text = ConsentText.create(school=school_id, version=last.version + 1, title=title[:300], body=body,
                                  valid_from=valid_from, created_by=getattr(by, "id", by))
        audit.record("consent.text.publish", text, user=by, school_id=school_id,
                     data={"version": text.version, "valid_from": valid_from.isoformat()})
    return text


# --- reads ----------------------------------------------------------------------------------------

def latest_records(guardian_ids: Iterable[int] | None = None,
                   student_ids: Iterable[int] | None = None) -> dict[tuple[int, int], ConsentRecord]:
    """The latest record of each (guardian, child) among those named; one query."""
    q = ConsentRecord.select()
    if guardian_ids is not None:
        ids = list(guardian_ids)
        if not ids:
            return {}
        q = q.where(ConsentRecord.guardian.in_(ids))
    if student_ids is not None:
        ids = list(student_ids)
        if not ids:
            return {}
        q = q.where(ConsentRecord.student.in_(ids))
    out: dict[tuple[int, int], ConsentRecord] = {}
    for r in q.order_by(ConsentRecord.id):
        out[(r.guardian_id, r.student_id)] = r
    return out


def current_status(guardian_id: int, student_id: int) -> str:
    """granted, refused, withdrawn or "none" (nothing registered)."""
    r = (ConsentRecord.select(ConsentRecord.status)
         .where((ConsentRecord.guardian == guardian_id) & (ConsentRecord.student == student_id))
         .order_by(ConsentRecord.id.desc()).first())
    return r.status if r else "none"


def history(guardian_id: int, student_ids: Iterable[int] | None = None):
    """Every record of a guardian (for these children only, if given), newest first (a query, to be paged)."""
    where = ConsentRecord.guardian == guardian_id
    if student_ids is not None:
        where &= ConsentRecord.student.in_(list(student_ids) or [0])
    return history_query(where)


def linked_students(guardian_id: int) -> list[Student]:
    """Every child ever linked to the guardian and still linked (including those who left school)."""
    return list(Student.select().join(StudentGuardian).where(StudentGuardian.guardian == guardian_id)
                .order_by(Student.last_name, Student.first_name, Student.id))


def children_of(guardian_id: int) -> list[Student]:
    """The guardian's children still at school, in name order."""
    return list(Student.select().join(StudentGuardian)
                .where((StudentGuardian.guardian == guardian_id) & Student.left_at.is_null())
                .order_by(Student.last_name, Student.first_name, Student.id))


def summary_status(statuses: Iterable[str]) -> str:
    """One word for a guardian's row: the common status of the children, or "mixed"."""
    found = set(statuses)
    if not found:
        return "none"
    return found.pop() if len(found) == 1 else "mixed"


def class_overview(class_id: int) -> list[dict]:
    """One row per guardian of the class's current students (two queries).

    Each row: ``guardian_id``, ``guardian`` (full name), ``login`` (or None), ``phone``,
    ``email``, ``student_ids`` (their children in this class), ``children`` (each with
    ``student_id``, ``student``, ``status`` and the latest ``record`` or None), ``status``
    (:func:`summary_status`) and ``last`` (the latest record of any of these children).
    """
    return class_overviews([class_id])[class_id]


def class_overviews(class_ids: Iterable[int]) -> dict[int, list[dict]]:
    """:func:`class_overview` of several classes at once (two queries whatever their number)."""
    from zhurnal.core.identity.models import User
    ids = list(class_ids)
    out: dict[int, dict[int, dict]] = {cid: {} for cid in ids}
    if not ids:
        return {}
    links = list(StudentGuardian.select(StudentGuardian, Student, Guardian, User)
                 .join(Student).switch(StudentGuardian).join(Guardian)
                 .join(User, pw.JOIN.LEFT_OUTER, on=(Guardian.user == User.id))
                 .where(Student.school_class.in_(ids) & Student.left_at.is_null())
                 .order_by(Student.last_name, Student.first_name, Student.id, StudentGuardian.id))
    latest = latest_records(student_ids={lk.student_id for lk in links})
    for lk in links:
        gd, st = lk.guardian, lk.student
        rows = out[st.school_class_id]
        row = rows.get(gd.id)
        if row is None:
            user = gd.user if gd.user_id else None
            row = rows[gd.id] = {"guardian_id": gd.id, "guardian": gd.full_name, "relation": lk.relation,
                                 "login": user.login if user else None, "phone": gd.phone, "email": gd.email,
                                 "student_ids": [], "children": []}
        rec = latest.get((gd.id, st.id))
        row["student_ids"].append(st.id)
        row["children"].append({"student_id": st.id, "student": st.short_name,
                                "status": rec.status if rec else "none", "record": rec})
    result = {}
    for cid, rows in out.items():
        for row in rows.values():
            row["status"] = summary_status(c["status"] for c in row["children"])
            dated = [c["record"] for c in row["children"] if c["record"]]
            row["last"] = max(dated, key=lambda r: r.id) if dated else None
        result[cid] = list(rows.values())
    return result


def paper_delivery_guardians(class_id: int) -> list[int]:
    """Guardians of the class who get paper: for some child of the class they refused,
    withdrew or have nothing registered."""
    return [r["guardian_id"] for r in class_overview(class_id)
            if any(c["status"] != "granted" for c in r["children"])]


def nothing_registered(rows: list[dict]) -> int:
    """How many guardians of an overview have nothing registered for some child (the dashboard's number)."""
    return sum(1 for r in rows if any(c["status"] == "none" for c in r["children"]))


# --- the hook's answer (the diary's week and every notification ask it) ----------------------------

#: the status of the latest record of (the guardian linked to the account, the child); a row only
#: when the account's guardian is linked to the child, its value NULL when nothing is registered
_LATEST = ConsentRecord.alias("latest")
_GUARDIAN_STATUS = Prepared(lambda: (
    StudentGuardian.select(
        StudentGuardian.id,
        _LATEST.select(_LATEST.status).where(
            (_LATEST.guardian == StudentGuardian.guardian) & (_LATEST.student == StudentGuardian.student))
        .order_by(_LATEST.id.desc()).limit(1))
    .join(Guardian, on=(StudentGuardian.guardian == Guardian.id))
    .where((Guardian.user == slot("uid")) & (StudentGuardian.student == slot("sid")))))


def granted(user_id: int, student_id: int) -> bool | None:
    """May the child's data go to this account? (``zhurnal_consent_granted``)

    * a guardian's account: True only while that guardian's consent for the child stands;
    * the student's own account: students follow their family — True while at least
      one of their guardians' consent for them stands;
    * a guardian's account not linked to the child: False;
    * any other account (staff): None, this registry does not decide.
    """
    rows = _GUARDIAN_STATUS.rows(uid=user_id, sid=student_id)
    if rows:
        return any(status == "granted" for _id, status in rows)
    if Student.select(Student.id).where((Student.id == student_id) & (Student.user == user_id)).exists():
        guardians = [g for (g,) in StudentGuardian.select(StudentGuardian.guardian)
                     .where(StudentGuardian.student == student_id).tuples()]
        latest = latest_records(guardian_ids=guardians, student_ids=[student_id])
        return any(r.status == "granted" for r in latest.values())
    if Guardian.select(Guardian.id).where(Guardian.user == user_id).exists():
        return False
    return None


def metrics() -> list[tuple[str, str, float]]:
    """The operator's figures (``zhurnal_metrics``): two aggregate queries over the deployment."""
    latest = (ConsentRecord.select(ConsentRecord.status)
              .where((ConsentRecord.guardian == StudentGuardian.guardian) & (ConsentRecord.student == StudentGuardian.student))
              .order_by(ConsentRecord.id.desc()).limit(1))
    without = (StudentGuardian.select(pw.fn.COUNT(StudentGuardian.id)).join(Student)
               .where(Student.left_at.is_null() & (pw.fn.COALESCE(latest, "none") != "granted")).scalar())
    return [("records", "Consent records registered (all schools)", float(ConsentRecord.select().count())),
            ("links_without_consent", "Guardian-child pairs of current students without a standing consent "
                                      "(they get paper, nothing electronic)", float(without or 0))]


# --- writes ---------------------------------------------------------------------------------------

def _check_date(day, last_dates: dict[int, dt.date]) -> None:
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise Refused(422, "date", N_("Not a valid date (use YYYY-MM-DD)."))
    if day > clock.today():
        raise Refused(422, "date", N_("The date of the paper cannot be in the future."))
    if day < EARLIEST:
        raise Refused(422, "date", N_("The date cannot be earlier than 27.07.2006 (152-FZ)."))
    later = [d for d in last_dates.values() if d > day]
    if later:
        raise Refused(422, "date", N_("A later record is already registered (%(d)s): a record cannot be dated before it."),
                      d=max(later).strftime("%d.%m.%Y"))


def register(guardian: Guardian, status: str, day: dt.date, document_number: str, document_kept_at: str = "", *,
             student_ids: Iterable[int] | None = None, by=None, via: str = "api") -> list[ConsentRecord]:
    """Register a signed paper of ``guardian`` for their children (default: all); returns the new records.

    Raises :class:`Refused` (422 for bad input, 409 for a withdrawal without a standing consent).
    """
    if status not in STATUSES:
        raise Refused(422, "status", N_("Must be one of: %(x)s."), x=", ".join(STATUSES))
    number = (document_number or "").strip()
    kept_at = (document_kept_at or "").strip()
    if not number:
        raise Refused(422, "document.number", N_("Required field."))
    if len(number) > 50:
        raise Refused(422, "document.number", N_("Longer than the maximum length %(a)s."), a=50)
    if len(kept_at) > 200:
        raise Refused(422, "document.kept_at", N_("Longer than the maximum length %(a)s."), a=200)
    with database.atomic():
        if is_postgres():  # registrations of one guardian queue up (SQLite's write transaction already does)
            Guardian.select(Guardian.id).where(Guardian.id == guardian.id).for_update().execute()
        children = {s.id: s for s in children_of(guardian.id)}
        if student_ids is None:
            chosen = list(children)
        else:
            chosen = list(dict.fromkeys(student_ids))
            if not chosen or any(sid not in children for sid in chosen):
                raise Refused(422, "student_ids", N_("Name children of this guardian."))
        if not chosen:
            raise Refused(422, "student_ids", N_("The guardian has no children at school."))
        latest = latest_records(guardian_ids=[guardian.id], student_ids=chosen)
        _check_date(day, {sid: r.date for (_g, sid), r in latest.items()})
        if status == "withdrawn":
            missing = [sid for sid in chosen if (guardian.id, sid) not in latest
                       or latest[(guardian.id, sid)].status != "granted"]
            if missing:
                raise Refused(409, "status", N_("There is no standing consent to withdraw."))
        text = current_text(guardian.school_id)
        by_id = getattr(by, "id", by)
        records = [ConsentRecord.create(school=guardian.school_id, guardian=guardian.id, student=sid, status=status,
                                        date=day, document_number=number, document_kept_at=kept_at, text=text.id,
                                        registered_by=by_id, via=via)
                   for sid in chosen]
        audit.record("consent.record.register", guardian, user=by, school_id=guardian.school_id,
                     data={"status": status, "date": day.isoformat(), "students": chosen, "document": number,
                           "text_version": text.version, "via": via, "records": [r.id for r in records]})
    for r in records:
        core_signals.send(signals.consent_changed, guardian_id=guardian.id, student_id=r.student_id,
                          consent=status == "granted", status=status, record_id=r.id, by=by,
                          school_id=guardian.school_id)
    return records


def record_read(guardian_or_class, *, via: str, by=None, school_id: int | None = None) -> None:
    """Audit a read of the registry (whose consent is personal data of the family)."""
    audit.record("consent.record.read", guardian_or_class, user=by, school_id=school_id, data={"via": via})


def record_export(cls: SchoolClass, fmt: str, rows: int, *, by=None) -> None:
    audit.record("consent.export", cls, user=by, school_id=cls.school_id, data={"format": fmt, "rows": rows})


def personal_data(person: dict) -> dict | None:
    """What the registry holds about a guardian or a student (152-FZ subject access request)."""
    field = ConsentRecord.guardian if person["kind"] == "guardian" else ConsentRecord.student
    rows = [{"guardian_id": r.guardian_id, "student_id": r.student_id, "status": r.status,
             "date": r.date.isoformat(), "document": r.document_number, "kept_at": r.document_kept_at,
             "text_version": r.text.version, "registered_at": r.registered_at.isoformat()}
            for r in history_query(field == person["id"])]
    return {"records": rows} if rows else None


def history_query(where):
    return (ConsentRecord.select(ConsentRecord, ConsentText)
            .join(ConsentText, on=(ConsentRecord.text == ConsentText.id))
            .where(where).order_by(ConsentRecord.id.desc()))
