"""How paper export's audit entries read (``zhurnal_audit_vocabulary``)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from zhurnal.core.audit_view import AuditVocabulary

from .models import Archive, Batch, Handover, SlipIssue


def _ints(ids):
    return [int(i) for i in ids if str(i).isdigit()]


def _period(x) -> str:
    return f"{x.date_from:%d.%m.%Y} – {x.date_to:%d.%m.%Y}"


def handovers(ids):
    return {str(h.id): (str(_l("extract for %(p)s", p=_period(h))), None)
            for h in Handover.select().where(Handover.id.in_(_ints(ids)))}


def batches(ids):
    return {str(b.id): (str(_l("document for %(p)s", p=_period(b))), None)
            for b in Batch.select(Batch.id, Batch.date_from, Batch.date_to).where(Batch.id.in_(_ints(ids)))}


def archives(ids):
    return {str(a.id): (str(_l("journal archive %(uid)s", uid=a.uid)), None)
            for a in Archive.select().where(Archive.id.in_(_ints(ids)))}


def slips(ids):
    return {str(s.id): (str(_l("login slip")), None) for s in SlipIssue.select(SlipIssue.id).where(
        SlipIssue.id.in_(_ints(ids)))}


def class_objects(class_id: int):
    return [("paper_export_handover", Handover.select(Handover.id.cast("VARCHAR")).where(Handover.school_class == class_id)),
            ("paper_export_batch", Batch.select(Batch.id.cast("VARCHAR")).where(Batch.school_class == class_id)),
            ("paper_export_archive", Archive.select(Archive.id.cast("VARCHAR")).where(Archive.school_class == class_id))]


def vocabulary() -> AuditVocabulary:
    return AuditVocabulary(
        actions={
            "paper_export.extract.print": _l("printed a journal extract"),
            "paper_export.extract.refused": _l("was refused a journal extract"),
            "paper_export.extract.handed": _l("handed over a printed extract"),
            "paper_export.extract.not_handed": _l("undid the handover of an extract"),
            "paper_export.extracts.queue": _l("started printing extracts"),
            "paper_export.archive.queue": _l("started printing the journal archive"),
            "paper_export.archive.make": _l("printed the journal archive"),
            "paper_export.batch.download": _l("downloaded a printed document"),
            "paper_export.schedule.set": _l("scheduled printed extracts"),
            "paper_export.schedule.stop": _l("stopped scheduled extracts"),
            "paper_export.slip.handed": _l("handed over a login slip"),
            "paper_export.slip.not_handed": _l("undid the handover of a login slip"),
        },
        objects={"paper_export_handover": handovers, "paper_export_batch": batches,
                 "paper_export_archive": archives, "paper_export_slip": slips},
        kinds={_l("Paper documents"): ["paper_export"]},
        class_objects=class_objects,
    )
