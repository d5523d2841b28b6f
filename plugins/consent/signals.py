"""Events of the consent registry, in the one blinker namespace of :mod:`zhurnal.core.signals`.

Sent by :mod:`zhurnal.plugins.consent.service` after the transaction committed (with
:func:`zhurnal.core.signals.send`, so ``school_id`` is always there); connect receivers
with :func:`zhurnal.core.signals.connect` from your plugin's ``zhurnal_app_ready``::

    from zhurnal.plugins.consent import signals as consent_signals
    connect(consent_signals.consent_changed, on_consent_changed, app=app, owner="notify_email")
"""
from __future__ import annotations

from zhurnal.core.signals import zhurnal_signals

#: a guardian's consent for one child was registered (granted, refused or withdrawn); one signal per child.
#: kwargs: guardian_id, student_id, consent (True only when granted), status ("granted"|"refused"|"withdrawn"),
#: record_id, by, school_id
consent_changed = zhurnal_signals.signal(
    "consent-changed",
    doc="Consent changed (guardian_id, student_id, consent, status, record_id, by, school_id).")
