"""Notification pages and API: own preferences, the local outbox, failed deliveries and retry.

Pages (``/notifications``): ``preferences`` (linked from the account page),
``outbox`` ("Outbox": a user sees what was delivered to them locally, the
administrator everything), ``failed`` (administrator: why, and retry).
API: ``/api/v1/me/notification-preferences`` (GET, PUT), ``/api/v1/me/outbox``,
``/api/v1/me/deliveries``, ``/api/v1/notifications/failed``, ``/api/v1/notifications/retry``.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from marshmallow import Schema, validate

from .. import access, audit, fields
from ..db import database
from ..api import ApiError, PageArgs, endpoint, forbidden, load_args, not_found, paginate
from ..identity.models import User
from . import prefs
from .events import EVENTS, MODES
from .models import FAILED, Delivery, LocalMessage, Notification
from .outbox import students_allowed
from .worker import retry

bp = Blueprint("notify", __name__, url_prefix="/notifications")
api_bp = Blueprint("notify_api", __name__, url_prefix="/api/v1")

MANAGE = "core.notify.manage"


def _manager_schools():
    """None: every school; else the set of school ids the user manages notifications of."""
    v = access.visible(g.user, MANAGE)
    return None if v.everything else v.schools


def _local_query(user):
    q = LocalMessage.select().order_by(LocalMessage.id.desc())
    if not access.can(user, MANAGE):
        return q.where(LocalMessage.user == user.id)
    schools = _manager_schools()
    return q if schools is None else q.where(LocalMessage.school.in_(list(schools) or [-1]) |
                                              (LocalMessage.user == user.id))


def _failed_query():
    q = (Delivery.select(Delivery, Notification, User).join(Notification).switch(Delivery)
         .join(User, on=(Delivery.user == User.id)).where(Delivery.status == FAILED)
         .order_by(Delivery.updated_at.desc(), Delivery.id.desc()))
    schools = _manager_schools()
    return q if schools is None else q.where(Notification.school.in_(list(schools) or [-1]))


def _channel_rows(user) -> list[dict]:
    return [{"code": code, "title": _(ch.title), "address": ch.address_for(user)}
            for code, ch in prefs.user_channels(user).items()]


def _channel_page_rows(user) -> list[dict]:
    """The channels for the preferences page: the address as its owner knows it, and the page where
    they set it up themselves (a messenger), if the channel has one."""
    rows = []
    for code, ch in prefs.user_channels(user).items():
        address = ch.address_for(user)
        rows.append({"code": code, "title": _(ch.title), "address": ch.address_label(address) if address else None,
                     "page": url_for(ch.address_page) if ch.address_page else None})
    return rows


# --- pages ------------------------------------------------------------------------------------------

@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    channels = _channel_page_rows(g.user)
    errors: dict = {}
    if request.method == "POST":
        events = {ev: {c["code"]: request.form.get(f"{ev}:{c['code']}", "off") for c in channels}
                  for ev, info in EVENTS.items() if info.optional}
        hour = request.form.get("digest_hour", "18")
        quiet = {"start": request.form.get("quiet_start") or None, "end": request.form.get("quiet_end") or None,
                 "digest_hour": int(hour) if hour.isdigit() and len(hour) <= 2 else -1}
        try:
            prefs.save(g.user, events, quiet)
            flash(_("Saved."), "ok")
            return redirect(url_for("notify.preferences"))
        except prefs.Invalid as e:
            errors = e.fields
    return render_template("notify/preferences.html", channels=channels, choices=prefs.choices(g.user),
                           events={k: v for k, v in EVENTS.items() if v.optional}, modes=MODES,
                           quiet=prefs.quiet_hours(g.user), errors=errors, all_events=EVENTS,
                           recent=list(deliveries_of(g.user.id).limit(20)))


@bp.get("/outbox")
@login_required
def outbox():
    args = load_args(PageArgs)
    q = _local_query(g.user)
    total = q.count()
    rows = list(q.paginate(args["page"], args["per_page"]))
    return render_template("notify/outbox.html", rows=rows, total=total, page=args["page"],
                           per_page=args["per_page"], everyone=access.can(g.user, MANAGE))


@bp.get("/outbox/<int:message_id>")
@login_required
def outbox_message(message_id: int):
    msg = _local_query(g.user).where(LocalMessage.id == message_id).first()
    if msg is None:
        abort(404)
    if msg.user_id != g.user.id:  # someone else's message (a child's marks): a read of personal data
        with database.atomic():
            audit.record("core.notify.outbox.read", msg, school_id=msg.school_id, data={"recipient": msg.user_id})
    return render_template("notify/outbox_message.html", msg=msg)


@bp.route("/failed", methods=["GET", "POST"])
@login_required
def failed():
    if not access.can(g.user, MANAGE):
        abort(403)
    if request.method == "POST":
        ids = [int(i) for i in request.form.getlist("id") if i.isdigit() and len(i) < 12]
        allowed = [d.id for d in _failed_query().where(Delivery.id.in_(ids or [-1]))] if ids else \
            [d.id for d in _failed_query()]
        n = retry(allowed, by=g.user) if allowed else 0
        flash(_("Queued again: %(n)d.", n=n), "ok")
        return redirect(url_for("notify.failed"))
    args = load_args(PageArgs)
    q = _failed_query()
    total = q.count()
    return render_template("notify/failed.html", rows=list(q.paginate(args["page"], args["per_page"])),
                           total=total, page=args["page"], per_page=args["per_page"])


@bp.route("/school", methods=["GET", "POST"])
@login_required
def school_settings():
    school = g.get("school")
    if school is None:   # a fresh deployment: nothing to set yet
        if not access.can(g.user, MANAGE):
            abort(403)
        return render_template("notify/school.html", school=None, students=False)
    if not access.can(g.user, MANAGE, school):
        abort(403)
    if request.method == "POST":
        _save_school(school, request.form.get("students") == "1")
        flash(_("Saved."), "ok")
        return redirect(url_for("notify.school_settings"))
    return render_template("notify/school.html", school=school, students=students_allowed(school.id))


def _save_school(school, students: bool) -> None:
    from ..db import utcnow
    from .models import SchoolSettings
    with database.atomic():
        before = students_allowed(school.id)
        SchoolSettings.insert(school=school.id, students=students, updated_at=utcnow()).on_conflict(
            conflict_target=[SchoolSettings.school],
            update={SchoolSettings.students: students, SchoolSettings.updated_at: utcnow()}).execute()
        audit.record("core.notify.school", school, school_id=school.id, data={"students": [before, students]})


# --- API --------------------------------------------------------------------------------------------

class QuietIn(Schema):
    start = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=5))
    end = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=5))
    digest_hour = fields.Int(load_default=18, strict=True, validate=validate.Range(min=0, max=23))


class PreferencesIn(Schema):
    events = fields.Dict(keys=fields.Str(validate=validate.Length(max=40)),
                         values=fields.Dict(keys=fields.Str(validate=validate.Length(max=40)),
                                            values=fields.Str(validate=validate.OneOf(MODES))),
                         load_default=None)
    quiet = fields.Nested(QuietIn, load_default=None, allow_none=True)


def _prefs_out(user) -> dict:
    return {"events": prefs.choices(user), "quiet": prefs.quiet_hours(user), "channels": _channel_rows(user),
            "modes": list(MODES)}


@endpoint(api_bp, "/me/notification-preferences", summary="Own notification choices: events x channels, quiet hours")
def get_preferences():
    return _prefs_out(g.user)


@endpoint(api_bp, "/me/notification-preferences", ["PUT"], body=PreferencesIn,
          summary="Change own notification choices (events x channels: instant | digest | off; quiet hours)")
def put_preferences(body):
    try:
        prefs.save(g.user, body["events"], body["quiet"])
    except prefs.Invalid as e:
        raise ApiError(422, "invalid", _("Invalid input."), e.fields)
    return _prefs_out(g.user)


class SchoolNotifyIn(Schema):
    students = fields.Bool(required=True, truthy={True}, falsy={False})


def _managed_school(school_id: int):
    from ..identity.models import School
    school = School.get_or_none(School.id == school_id) if school_id < 2**63 else None
    if school is None or not access.can(g.user, MANAGE, school):
        if school is not None and school.id == g.user.school_id:
            raise forbidden()        # their own school: known, not theirs to change
        raise not_found()
    return school


@endpoint(api_bp, "/schools/<int:school_id>/notification-settings",
          summary="A school's notification settings (students receive notifications or not)")
def get_school_settings(school_id):
    school = _managed_school(school_id)
    return {"school_id": school.id, "students": students_allowed(school.id)}


@endpoint(api_bp, "/schools/<int:school_id>/notification-settings", ["PUT"], body=SchoolNotifyIn,
          summary="Let a school's students receive notifications, or not (audited)")
def put_school_settings(school_id, body):
    school = _managed_school(school_id)
    _save_school(school, body["students"])
    return {"school_id": school.id, "students": students_allowed(school.id)}


class LocalOut(Schema):
    id = fields.Int()
    channel = fields.Str()
    address = fields.Str()
    user_id = fields.Int(attribute="user_id", allow_none=True)
    subject = fields.Str()
    text = fields.Str()
    created_at = fields.DateTime()


class DeliveryOut(Schema):
    id = fields.Int()
    event = fields.Function(lambda d: d.notification.event)
    user_id = fields.Int(attribute="user_id", allow_none=True)
    channel = fields.Str()
    address = fields.Str()
    status = fields.Str()
    attempts = fields.Int()
    last_error = fields.Str()
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)


def deliveries_of(user_id: int):
    """The delivery log of one account, newest first (for the owner, the class teacher, the admin)."""
    return (Delivery.select(Delivery, Notification).join(Notification)
            .where(Delivery.user == user_id).order_by(Delivery.id.desc()))


@endpoint(api_bp, "/me/outbox", summary="Messages delivered to me into the local outbox (paged)", query=PageArgs)
def my_outbox(args):
    return paginate(LocalMessage.select().where(LocalMessage.user == g.user.id).order_by(LocalMessage.id.desc()),
                    LocalOut(), args=args)


@endpoint(api_bp, "/me/deliveries", summary="My notification log: sent, waiting, failed and why (paged)",
          query=PageArgs)
def my_deliveries(args):
    return paginate(deliveries_of(g.user.id), DeliveryOut(), args=args)


@endpoint(api_bp, "/notifications/failed", summary="Failed deliveries with the reason (paged; administrator)",
          query=PageArgs)
def list_failed(args):
    if not access.can(g.user, MANAGE):
        raise forbidden()
    return paginate(_failed_query(), DeliveryOut(), args=args)


class RetryIn(Schema):
    ids = fields.List(fields.Int(strict=True, validate=validate.Range(min=1)), load_default=None,
                      validate=validate.Length(max=10000))


@endpoint(api_bp, "/notifications/retry", ["POST"], body=RetryIn,
          summary="Queue failed deliveries again (all, or those ids); returns how many")
def retry_failed(body):
    if not access.can(g.user, MANAGE):
        raise forbidden()
    ids = body["ids"]
    q = _failed_query()
    if ids is not None:
        q = q.where(Delivery.id.in_(ids or [-1]))
    allowed = [d.id for d in q]
    return {"queued": retry(allowed, by=g.user) if allowed else 0}


def nav_items(user) -> list:
    """The administrator's entries (others reach their outbox from their account page)."""
    from ..ui import NavItem
    if not access.can(user, MANAGE):
        return []
    items = [NavItem(_("Outbox"), "notify.outbox", priority=940),
             NavItem(_("Failed notifications"), "notify.failed", priority=941)]
    if g.get("school") is not None:
        items.append(NavItem(_("Notification settings"), "notify.school_settings", priority=942))
    return items
