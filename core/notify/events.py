"""What can be notified, and the defaults a user gets without touching settings."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

INSTANT, DIGEST, OFF = "instant", "digest", "off"
MODES = (INSTANT, DIGEST, OFF)


@dataclass(frozen=True)
class Event:
    code: str
    title: object
    #: carries a student's personal data: sent only with the guardian's consent
    personal: bool = True
    #: mode per channel code when the user chose nothing; channels not named: ``"*"`` or off
    defaults: tuple = ()
    #: users may switch it off (security alerts cannot be)
    optional: bool = True

    def default_mode(self, channel: str) -> str:
        d = dict(self.defaults)
        return d.get(channel, d.get("*", OFF))


EVENTS: dict[str, Event] = {e.code: e for e in (
    Event("mark", _l("New marks"), defaults=(("email", INSTANT),)),
    Event("absence", _l("Absences"), defaults=(("email", INSTANT),)),
    Event("homework", _l("New homework"), defaults=()),
    Event("remark", _l("Teachers' remarks"), defaults=(("email", INSTANT),)),
    Event("message", _l("Messages"), defaults=(("email", INSTANT),)),
    Event("announcement", _l("Class announcements"), personal=False, defaults=(("email", INSTANT),)),
    Event("weekly_summary", _l("Weekly summary"), defaults=(("email", INSTANT),)),
    Event("security_alert", _l("Security alerts"), personal=False, defaults=(("*", INSTANT),), optional=False),
)}


def event(code: str) -> Event:
    try:
        return EVENTS[code]
    except KeyError:
        raise ValueError(f"unknown notification event {code!r}") from None
