"""Paper export's writes: every printed extract is recorded (audit + handover register),
batches are made in the background with progress, schedules make batches, slips are
registered, archives keep the checksum of their data."""
from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import gettext as _

from zhurnal.core import audit, clock
from zhurnal.core.db import database, utcnow
from zhurnal.core.identity.models import School
from zhurnal.plugins.roster import service as roster
from zhurnal.plugins.roster.models import SchoolClass, Student, StudentGuardian

from . import data, render
from .models import Batch, Handover, Schedule, SlipIssue

#: the widest range one extract or archive may cover
MAX_DAYS = 400


class Invalid(ValueError):
    """Bad input: ``fields`` maps a field to its (translated) message."""

    def __init__(self, fields: dict) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


def check_dates(date_from: dt.date | None, date_to: dt.date | None) -> tuple[dt.date, dt.date]:
    errors = {}
    if date_from is None:
        errors["from"] = _("Required field.")
    if date_to is None:
        errors["to"] = _("Required field.")
    if not errors and date_to < date_from:
        errors["to"] = _("The end is before the start.")
    if not errors and (date_to - date_from).days > MAX_DAYS:
        errors["to"] = _("At most %(n)d days at once.", n=MAX_DAYS)
    if errors:
        raise Invalid(errors)
    return date_from, date_to


def _labels():
    return {"status_label": lambda s: {"absent": _("was absent"), "ill": _("was ill"), "valid": _("valid reason"),
                                       "late": _("was late")}.get(s, s),
            "remark_label": lambda k: {"remark": _("Remark"), "recommendation": _("Recommendation"),
                                       "praise": _("Praise")}.get(k, k)}


def extract_html(e: data.Extract, *, tear_off: bool = False) -> str:
    return render.html("paper_export/extract.html", e=e, tear_off=tear_off, **_labels())


def _record(extracts: list[data.Extract], *, by, via: str, batch: Batch | None = None) -> None:
    """The register and the audit: who printed which extract for whom, when."""
    now = utcnow()
    with database.atomic():
        for e in extracts:
            h = Handover.create(school=e.student.school_id, student=e.student.id, school_class=e.student.school_class_id,
                                date_from=e.date_from, date_to=e.date_to, printed_by=by, printed_at=now,
                                batch=batch.id if batch else None, via=via)
            audit.record("paper_export.extract.print", e.student, user=by, school_id=e.student.school_id,
                         data={"from": e.date_from.isoformat(), "to": e.date_to.isoformat(), "via": via,
                               "handover": h.id, **({"batch": batch.id} if batch else {})})


def extract_pdf(student: Student, date_from: dt.date, date_to: dt.date, *, by=None, via: str = "api",
                with_homework: bool = False, tear_off: bool = False) -> bytes:
    """One student's extract as a PDF, recorded in the register and the audit."""
    e = data.extracts([student], date_from, date_to, with_homework=with_homework)[0]
    out = render.pdf(extract_html(e, tear_off=tear_off))
    _record([e], by=by, via=via)
    return out


def record_refused(user, student_id, *, via: str) -> None:
    """An extract asked for by someone who may not have it (a 404 answer): audited."""
    with database.atomic():
        audit.record("paper_export.extract.refused", object_type="roster_student", object_id=student_id,
                     user=user, school_id=getattr(user, "school_id", None), data={"via": via})


# --- whom to print for -----------------------------------------------------------------------------

def paper_list(cls: SchoolClass) -> list[int] | None:
    """Students of the class whose guardians get the journal on paper (the consent plugin's
    list, asked through ``zhurnal_paper_delivery_guardians``), or None when nobody keeps one."""
    ext = current_app.extensions["zhurnal"]
    school = ext.school_by_id(cls.school_id)
    guardian_ids = ext.plugins.hook_for(school).zhurnal_paper_delivery_guardians(class_id=cls.id)
    if guardian_ids is None:
        return None
    students = roster.class_students(cls.id)
    linked = {sid for (sid,) in StudentGuardian.select(StudentGuardian.student).where(
        StudentGuardian.guardian.in_(list(guardian_ids) or [0]) &
        StudentGuardian.student.in_([s.id for s in students] or [0])).tuples()}
    return [s.id for s in students if s.id in linked]


def students_of(cls: SchoolClass, ids: list[int] | None) -> list[Student]:
    """The class's students in class-list order (only ``ids`` if given; others ignored)."""
    students = roster.class_students(cls.id)
    if ids is None:
        return students
    wanted = set(ids)
    return [s for s in students if s.id in wanted]


# --- batches -------------------------------------------------------------------------------------------

def start_batch(cls: SchoolClass, date_from: dt.date, date_to: dt.date, *, by=None, selection: str = "class",
                student_ids: list[int] | None = None, with_homework: bool = False, tear_off: bool = False,
                schedule: Schedule | None = None, kind: str = "extracts") -> Batch:
    """Queue a class's extracts (or its archive, ``kind="archive"``) as one PDF made in the background."""
    if kind == "extracts":
        if selection == "paper":
            student_ids = paper_list(cls)
            if student_ids is None:
                raise Invalid({"selection": _("No paper-delivery list is kept here: choose the students by hand.")})
        elif selection == "class":
            student_ids = None
        total = len(students_of(cls, student_ids))
        if total == 0:
            raise Invalid({"students": _("Nobody to print for.")})
    else:
        total = 0
    with database.atomic():
        batch = Batch.create(school=cls.school_id, school_class=cls.id, kind=kind, date_from=date_from,
                             date_to=date_to, student_ids=",".join(map(str, student_ids or [])),
                             with_homework=with_homework, tear_off=tear_off, selection=selection, total=total,
                             created_by=by, schedule=schedule.id if schedule else None)
        audit.record(f"paper_export.{kind}.queue", cls, user=by, school_id=cls.school_id,
                     data={"batch": batch.id, "from": date_from.isoformat(), "to": date_to.isoformat(),
                           "selection": selection, "students": total})
    from .jobs import make_batch
    make_batch(batch.id)
    return Batch.get_by_id(batch.id)


def school_students(school) -> list[Student]:
    """Every student of the school's classes this year, class by class."""
    return [s for c in roster.classes(school) for s in roster.class_students(c.id)]


def start_school_batch(school: School, date_from: dt.date, date_to: dt.date, *, by=None) -> Batch:
    """Queue the extracts of every student of the school as one PDF (class by class)."""
    total = len(school_students(school))
    if total == 0:
        raise Invalid({"students": _("Nobody to print for.")})
    with database.atomic():
        batch = Batch.create(school=school.id, school_class=None, kind="extracts", date_from=date_from,
                             date_to=date_to, selection="school", total=total, created_by=by)
        audit.record("paper_export.extracts.queue", school, user=by, school_id=school.id,
                     data={"batch": batch.id, "from": date_from.isoformat(), "to": date_to.isoformat(),
                           "selection": "school", "students": total})
    from .jobs import make_batch
    make_batch(batch.id)
    return Batch.get_by_id(batch.id)


def _progress(batch_id: int, done: int) -> None:
    with database.atomic():
        Batch.update(done=done).where(Batch.id == batch_id).execute()


def run_batch(batch_id: int, progress=None) -> Batch | None:
    """Make the PDF of a queued batch (the job's body; idempotent: a finished batch is left alone)."""
    batch = Batch.get_or_none(Batch.id == batch_id)
    if batch is None or batch.status == "done":
        return batch
    Batch.update(status="running", done=0).where(Batch.id == batch.id).execute()
    cls = SchoolClass.get_by_id(batch.school_class_id) if batch.school_class_id else None
    by = batch.created_by_id
    try:
        if batch.kind == "archive":
            from .archive import make_archive
            pdf, pages = make_archive(cls, batch.date_from, batch.date_to, by=by, batch=batch)
        else:
            ids = [int(x) for x in batch.student_ids.split(",") if x] or None
            students = students_of(cls, ids) if cls is not None else school_students(batch.school_id)
            extracts = data.extracts(students, batch.date_from, batch.date_to, with_homework=batch.with_homework)

            def step(done):
                _progress(batch.id, done)
                if progress is not None:
                    progress(done)
            pdf, pages = render.many((extract_html(e, tear_off=batch.tear_off) for e in extracts), step)
            _record(extracts, by=by, via="schedule" if batch.schedule else "batch", batch=batch)
    except Exception as exc:  # recorded on the batch for the page; the job itself does not retry
        Batch.update(status="failed", error=str(exc)[:300], finished_at=utcnow()).where(Batch.id == batch.id).execute()
        raise
    with database.atomic():
        Batch.update(status="done", pdf=pdf, pages=pages, done=batch.total, finished_at=utcnow()).where(
            Batch.id == batch.id).execute()
    return Batch.get_by_id(batch.id)


def open_batch(batch: Batch, *, by) -> bytes:
    with database.atomic():
        if batch.seen_at is None:
            Batch.update(seen_at=utcnow()).where(Batch.id == batch.id).execute()
        audit.record("paper_export.batch.download", batch, user=by, school_id=batch.school_id,
                     data={"kind": batch.kind})
    return bytes(batch.pdf)


# --- handover register -------------------------------------------------------------------------------

def tick_handover(h: Handover, *, handed: bool, by, guardian_id: int | None = None, signed_slip: bool = False,
                  on: dt.date | None = None) -> Handover:
    """«Выдано»: the class teacher handed the printed extract to the family (or undoes the tick)."""
    on = on or clock.today()
    if handed and not (h.date_from <= on <= clock.today()):
        raise Invalid({"on": _("Between the start of the extract's period and today.")})
    if guardian_id is not None and not StudentGuardian.select().where(
            (StudentGuardian.student == h.student_id) & (StudentGuardian.guardian == guardian_id)).exists():
        raise Invalid({"guardian": _("Not a guardian of this student.")})
    changes = ({"handed_on": on, "handed_by": by, "guardian": guardian_id, "signed_slip": signed_slip}
               if handed else {"handed_on": None, "handed_by": None, "guardian": None, "signed_slip": False})
    with database.atomic():
        Handover.update(**changes).where(Handover.id == h.id).execute()
        audit.record("paper_export.extract.handed" if handed else "paper_export.extract.not_handed", h, user=by,
                     school_id=h.school_id, data={"student": h.student_id, "guardian": guardian_id,
                                                  "signed_slip": signed_slip})
    return Handover.get_by_id(h.id)


def paper_acknowledgements(student_ids, date_from: dt.date, date_to: dt.date) -> list[dict]:
    """Handed-over extracts overlapping the dates: each counts as acknowledging the diary."""
    rows = (Handover.select().where(Handover.student.in_(list(student_ids) or [0]) & Handover.handed_on.is_null(False)
                                    & (Handover.date_from <= date_to) & (Handover.date_to >= date_from)))
    return [{"student_id": h.student_id, "guardian_id": h.guardian_id, "date_from": h.date_from,
             "date_to": h.date_to, "handed_on": h.handed_on} for h in rows]


# --- schedules -------------------------------------------------------------------------------------------

def set_schedule(cls: SchoolClass, every_days: int | None, *, selection: str = "paper", by=None) -> Schedule | None:
    """"Every N days" (None: stop). The first batch is made on the next run of the daily job."""
    with database.atomic():
        if every_days is None:
            Schedule.update(active=False).where(Schedule.school_class == cls.id).execute()
            audit.record("paper_export.schedule.stop", cls, user=by, school_id=cls.school_id)
            return None
        if not 1 <= every_days <= 120:
            raise Invalid({"every_days": _("Between 1 and 120 days.")})
        Schedule.insert(school=cls.school_id, school_class=cls.id, every_days=every_days, selection=selection,
                        next_on=clock.today(), created_by=by, active=True).on_conflict(
            conflict_target=[Schedule.school_class],
            update={Schedule.every_days: every_days, Schedule.selection: selection, Schedule.active: True,
                    Schedule.next_on: clock.today(), Schedule.created_by: by}).execute()
        audit.record("paper_export.schedule.set", cls, user=by, school_id=cls.school_id,
                     data={"every_days": every_days, "selection": selection})
    return Schedule.get(Schedule.school_class == cls.id)


def run_schedules(today: dt.date | None = None) -> list[int]:
    """Make the batches that are due (the daily job); returns the batch ids."""
    today = today or clock.today()
    made = []
    for s in Schedule.select().where(Schedule.active & (Schedule.next_on <= today)):
        cls = SchoolClass.get_by_id(s.school_class_id)
        claimed = Schedule.update(next_on=today + dt.timedelta(days=s.every_days)).where(
            (Schedule.id == s.id) & (Schedule.next_on == s.next_on)).execute()
        if not claimed:  # another worker took it
            continue
        try:
            b = start_batch(cls, today - dt.timedelta(days=s.every_days - 1), today, by=s.created_by_id,
                            selection=s.selection, schedule=s)
            made.append(b.id)
        except Invalid:
            continue  # nobody on the paper list this time
    return made


def pending_notices(cls: SchoolClass) -> list[Batch]:
    """Scheduled batches ready and not opened yet (the notice on the class teacher's page)."""
    return list(Batch.select(Batch.id, Batch.date_from, Batch.date_to, Batch.total, Batch.finished_at)
                .where((Batch.school_class == cls.id) & Batch.schedule.is_null(False) & (Batch.status == "done")
                       & Batch.seen_at.is_null()).order_by(Batch.id.desc()))


# --- login slips register ------------------------------------------------------------------------------------

def record_slip(user_id: int, person_kind: str, person_id: int, expires_at, reissued: bool, by, school_id) -> None:
    """A login slip was issued (from the roster's signal ``account_issued``)."""
    class_id = None
    if person_kind == "student":
        st = Student.get_or_none(Student.id == person_id)
        class_id = st.school_class_id if st else None
    else:
        link = (StudentGuardian.select(Student.school_class).join(Student)
                .where(StudentGuardian.guardian == person_id).order_by(Student.id).tuples().first())
        class_id = link[0] if link else None
    with database.atomic():
        SlipIssue.create(school=school_id, user=user_id, person_kind=person_kind, person_id=person_id,
                         school_class=class_id, issued_by=getattr(by, "id", by), expires_at=expires_at,
                         reissued=reissued)


def tick_slip(slip: SlipIssue, *, handed: bool, by) -> None:
    with database.atomic():
        SlipIssue.update(handed_on=clock.today() if handed else None, handed_by=by if handed else None).where(
            SlipIssue.id == slip.id).execute()
        audit.record("paper_export.slip.handed" if handed else "paper_export.slip.not_handed", slip, user=by,
                     school_id=slip.school_id, data={"user": slip.user_id})


def school_of(obj) -> School:
    return School.get_by_id(obj.school_id)

