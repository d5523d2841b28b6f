"""How the diary's audit entries read (``zhurnal_audit_vocabulary``)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from zhurnal.core.audit_view import AuditVocabulary


def vocabulary() -> AuditVocabulary:
    return AuditVocabulary(
        actions={
            "diary.week.read": _l("read a student's diary"), "diary.marks.read": _l("read a student's marks"),
            "diary.access.denied": _l("was refused a student's diary"), "diary.acknowledge": _l("acknowledged the diary"),
            "diary.visit": _l("opened the diary"), "diary.thread.create": _l("started a conversation"),
            "diary.thread.read": _l("read a conversation"), "diary.message.create": _l("wrote a message"),
            "diary.announcement.create": _l("posted a class announcement"),
            "diary.control.export": _l("exported the acknowledgements"),
        },
        kinds={_l("Diary reads and acknowledgements"): ["diary.week", "diary.marks", "diary.access", "diary.acknowledge",
                                                         "diary.visit"],
               _l("Messages"): ["diary.thread", "diary.message", "diary.announcement"]},
    )
