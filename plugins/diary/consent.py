"""Whether the diary may show a child's data to a family member: the consent registry's answer.

The diary asks the hook ``zhurnal_consent_granted`` of the plugins enabled for
the child's school (it never imports the consent plugin). ``False`` withholds the
week, marks and timetable and shows a notice instead; ``None`` (no registry, or
it is off for the school) shows them. Staff are never asked about.

A school may relax the web part with ``[plugins.consent] web_requires_consent =
false`` (read from that plugin's validated settings); the outgoing channels ask
the same hook and are never relaxed.
"""
from __future__ import annotations

from flask import current_app


def web_relaxed() -> bool:
    info = current_app.extensions["zhurnal"].plugins.infos.get("consent")
    return info is None or not (info.settings or {}).get("web_requires_consent", True)


def withheld(user, student, role: str) -> bool:
    """Must ``user`` (a guardian or the student, as ``role`` says) see the consent notice?"""
    if role == "staff" or web_relaxed():
        return False
    ext = current_app.extensions["zhurnal"]
    hooks = ext.plugins.hook_for(ext.school_by_id(student.school_id))
    return hooks.zhurnal_consent_granted(user_id=user.id, student_id=student.id) is False
