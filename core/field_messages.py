"""The API's error messages in the user's language: marshmallow's own messages, a plugin's
``N_``-marked ones, and what the API says for errors Flask raises itself.

:func:`field_messages` turns a ``ValidationError``'s messages into the ``fields`` of an API
error (``{"field": "message; message"}``, nested fields as ``a.b``); importers and forms that
validate with marshmallow word their errors through it too.
"""
from __future__ import annotations

import re

from .i18n import N_


# marshmallow's own messages, shown to users in their language
_MM_EXACT = {
    "Missing data for required field.": N_("Required field."),
    "Unknown field.": N_("Unknown field."),
    "Field may not be null.": N_("May not be empty."),
    "Not a valid integer.": N_("Not a valid integer."),
    "Not a valid string.": N_("Not a valid string."),
    "Not a valid number.": N_("Not a valid number."),
    "Not a valid boolean.": N_("Not a valid boolean."),
    "Not a valid date.": N_("Not a valid date (use YYYY-MM-DD)."),
    "Not a valid datetime.": N_("Not a valid date and time."),
    "Not a valid email address.": N_("Not a valid email address."),
    "Not a valid list.": N_("Not a valid list."),
    "Invalid input type.": N_("Invalid input type."),
    "Invalid value.": N_("Invalid value."),
    "Invalid input.": N_("Invalid input."),
}
_MM_PATTERNS = [
    (re.compile(r"^Must be one of: (?P<x>.*)\.$"), N_("Must be one of: %(x)s.")),
    (re.compile(r"^Length must be between (?P<a>\d+) and (?P<b>\d+)\.$"), N_("Length must be between %(a)s and %(b)s.")),
    (re.compile(r"^Shorter than minimum length (?P<a>\d+)\.$"), N_("Shorter than the minimum length %(a)s.")),
    (re.compile(r"^Longer than maximum length (?P<a>\d+)\.$"), N_("Longer than the maximum length %(a)s.")),
    (re.compile(r"^Must be greater than or equal to (?P<a>\S+) and less than or equal to (?P<b>\S+)\.$"),
     N_("Must be between %(a)s and %(b)s.")),
    (re.compile(r"^Must be greater than or equal to (?P<a>\S+)\.$"), N_("Must be at least %(a)s.")),
    (re.compile(r"^Must be less than or equal to (?P<a>\S+)\.$"), N_("Must be at most %(a)s.")),
]


#: what the API says for errors raised by Flask itself (no such route, wrong method...)
HTTP_MESSAGES = {
    400: N_("Bad request."), 401: N_("Log in first."), 403: N_("You are not allowed to do this."),
    404: N_("Not found."), 405: N_("This method is not allowed here."), 409: N_("Conflict."),
    413: N_("The request is too large."), 415: N_("Send the body as application/json."),
    429: N_("Too many requests: wait a little and try again."),
}


def translate(message: str) -> str:
    """A message in the current language (marshmallow's own, or an ``N_``-marked msgid)."""
    from flask_babel import gettext
    if message in _MM_EXACT:
        return gettext(_MM_EXACT[message])
    for pattern, msgid in _MM_PATTERNS:
        m = pattern.match(message)
        if m:
            return gettext(msgid, **m.groupdict())
    # a plugin's own message (an English msgid marked with N_): its catalog is merged into the app's
    return gettext(message)


def field_messages(messages) -> dict:
    """marshmallow messages -> {"field": "message; message"} (nested: "a.b")."""
    out = {}

    def walk(m, path):
        if isinstance(m, dict):
            for k, v in m.items():
                walk(v, path + [str(k)])
        elif isinstance(m, list) and all(isinstance(x, str) for x in m):
            out[".".join(path) or "_schema"] = "; ".join(translate(x) for x in m)
        elif isinstance(m, list):
            for x in m:
                walk(x, path)
        else:
            out[".".join(path) or "_schema"] = translate(str(m))
    walk(messages, [])
    return out
