"""marshmallow's fields, with the numbers and dates every schema of the API accepts bounded.

Schemas import ``from zhurnal.core import fields`` instead of ``from marshmallow import fields``:
everything marshmallow offers is here under the same name, except that

* ``Int``/``Integer`` accept only what a database integer column holds
  (``-2**31 + 1 .. 2**31 - 1``, PostgreSQL's ``integer``; SQLite stops at ``2**63``):
  a bigger number in a body or a query string is a field message (422), never an
  ``OverflowError`` from the database driver;
* ``Date`` accepts only ``1900-01-01 .. 2199-12-31``: arithmetic on a week or a
  school year near ``0001-01-01`` or ``9999-12-31`` overflows Python's ``date``;
* ``Str``/``String`` refuse NUL characters (PostgreSQL cannot store them);
* ``DateTime`` writes the naive UTC times the database keeps with their offset
  (``2026-11-26T08:30:00+00:00``), as the OpenAPI ``date-time`` format requires, and
  reads a time with an offset as naive UTC.

The bounds appear in the OpenAPI document as ``minimum``/``maximum``.
"""
from __future__ import annotations

import datetime as dt

from marshmallow import ValidationError, validate
from werkzeug.routing import IntegerConverter

from .i18n import N_
from marshmallow.fields import *  # noqa: F401,F403  (the rest of marshmallow's fields, unchanged)
from marshmallow.fields import Date as _Date
from marshmallow.fields import DateTime as _DateTime
from marshmallow.fields import Integer as _Integer
from marshmallow.fields import String as _String

#: what an id or any other integer in the API may be: PostgreSQL's ``integer`` column
INT_MAX = 2 ** 31 - 1
INT_MIN = -INT_MAX
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2199, 12, 31)


class Integer(_Integer):
    """An integer within ``INT_MIN .. INT_MAX`` (an explicit ``validate.Range`` narrows it further)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.validators = [validate.Range(INT_MIN, INT_MAX), *self.validators]

    def _validated(self, value):
        try:
            return super()._validated(value)
        except OverflowError:  # int(float("inf")), int(1e400)
            raise self.make_error("invalid", input=value) from None


Int = Integer

NUL_MESSAGE = N_("Must not contain NUL characters.")


class String(_String):
    """A string without NUL characters (PostgreSQL cannot store them in text)."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in value:
            raise ValidationError(NUL_MESSAGE)
        return value


Str = String


class Date(_Date):
    """A date within ``DATE_MIN .. DATE_MAX``."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.validators = [validate.Range(DATE_MIN, DATE_MAX), *self.validators]


class DateTime(_DateTime):
    """A date and time with a UTC offset in answers; naive UTC (as stored) once loaded."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if not DATE_MIN.year <= value.year <= DATE_MAX.year:
            raise ValidationError(f"Must be greater than or equal to {DATE_MIN.isoformat()} and less than or equal "
                                  f"to {DATE_MAX.isoformat()}.")   # marshmallow's wording: translated by core.api
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value


#: 0 .. 2**31-1 as a regular expression (no sign, no leading zeros beyond a lone 0)
_UP_TO_INT_MAX = ("(?:0|[1-9][0-9]{0,8}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}|2147[0-3][0-9]{5}"
                  "|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}|21474836[0-3][0-9]|214748364[0-7])")


class IdConverter(IntegerConverter):
    """``<id:name>`` in a route: a non-negative integer up to ``INT_MAX``; anything else
    (``2**63``, ``-1``, ``1e3``) does not match the route, so the answer is 404."""

    def __init__(self, map, *args, **kwargs) -> None:
        super().__init__(map, min=0, max=INT_MAX)
        # the range in the pattern itself: a number past it matches no route for any method (404), where
        # a value refused only by to_python leaves the route's other methods matching (a 405)
        self.regex = _UP_TO_INT_MAX


#: how an ``<id:...>`` path parameter is described in the OpenAPI document
ID_SCHEMA = {"type": "integer", "minimum": 0, "maximum": INT_MAX}


def bounded_int(text) -> int:
    """An integer within ``INT_MIN .. INT_MAX`` from a query string or a form, or ``ValueError``.

    Usable as werkzeug's ``type=``: ``request.args.get("page", 1, type=bounded_int)``
    (out of range or not a number: the default).
    """
    value = int(text)
    if not INT_MIN <= value <= INT_MAX:
        raise ValueError(f"{text!r} is out of range")
    return value


def bounded_date(text) -> dt.date:
    """A ``YYYY-MM-DD`` date within ``DATE_MIN .. DATE_MAX``, or ``ValueError``."""
    value = dt.date.fromisoformat(text)
    if not DATE_MIN <= value <= DATE_MAX:
        raise ValueError(f"{text!r} is out of range")
    return value


def iso(value) -> str | None:
    """What ``Date``/``DateTime``/``Time`` write, for answers built without a schema:
    a naive (UTC) datetime gets its ``+00:00``; dates and times as ISO 8601; ``None`` stays."""
    if value is None:
        return None
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.isoformat()


def install(app) -> None:
    """Refuse NUL characters in any query string or form (400) before a view sees them:
    pages read forms without schemas, and PostgreSQL cannot store NUL in text."""
    from flask import abort, request

    @app.before_request
    def _no_nul():
        if any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)):
            abort(400, NUL_MESSAGE)
        if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
                "application/x-www-form-urlencoded", "multipart/form-data"):
            if any("\x00" in k or "\x00" in v for k, v in request.form.items(multi=True)):
                abort(400, NUL_MESSAGE)
