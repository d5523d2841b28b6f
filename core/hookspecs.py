"""Every extension point of Zhurnal.

A hook *asks* the enabled plugins for contributions or answers; a signal
(:mod:`zhurnal.core.signals`) *tells* them that something happened. Hooks are called
with keyword arguments; an implementation declares only the arguments it uses
and gives them no defaults. Unless a hook says ``firstresult``, the kernel
receives a list with one result per plugin that implemented it (``None``
results dropped) and combines them as the hook's docstring says.

Plugins implement hooks with :data:`hookimpl`::

    from zhurnal.core.hookspecs import hookimpl

    @hookimpl
    def zhurnal_permissions():
        return [Permission("journal.mark.write", "Enter marks", roles=("teacher",))]

A plugin is a module (or object) with these attributes besides its hooks:
``name`` (unique, also its namespace: blueprint, URL prefix, tables, permissions),
``version``, ``title`` (shown to admins), ``depends`` (names of plugins it needs),
``schema_version`` (int, 0 if it has no tables) and optionally ``settings_schema``
(a marshmallow Schema class validating ``[plugins.<name>]``) and
``migrations`` (``{version: step(migrator)}``).

Each hookspec ends with an ``Example::`` implementation; this module is long because it is
the one catalogue of the extension points (``docs/EXTENDING.md`` is generated from it).
"""
from __future__ import annotations

import pluggy

PROJECT = "zhurnal"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --- data -------------------------------------------------------------------

@hookspec
def zhurnal_models():
    """Return the peewee model classes this plugin owns.

    Called by ``zhurnal init`` (and by test fixtures) for every plugin loaded in
    the deployment, in dependency order, to create or upgrade its tables. Models
    must derive from :class:`zhurnal.core.db.BaseModel` and be named with the plugin's
    prefix (``journal_mark``). Never called while serving requests.

    :returns: list of model classes, dependencies first.

    Example::

        @hookimpl
        def zhurnal_models():
            from .models import Note, NoteVersion
            return [Note, NoteVersion]      # tables "psych_note", "psych_note_version"
    """


@hookspec
def zhurnal_demo_seed(ctx):
    """Fill the demo school with this plugin's data.

    Called by ``zhurnal demo`` once per loaded plugin, in dependency order, inside
    one transaction. ``ctx`` is a :class:`zhurnal.core.demo.DemoContext`: it carries the
    school, today's date, the random generator and a ``data`` dict where earlier
    plugins leave what later ones need (``ctx.data["roster"]`` holds the classes,
    students, teachers and demo accounts). A plugin adds its lines to
    ``ctx.summary`` to be printed.

    Example::

        @hookimpl
        def zhurnal_demo_seed(ctx):
            classes = ctx.data["roster"]["classes"]
            notes = [Note.create(student=s, text="Беседа") for s in classes[0].students[:3]]
            ctx.summary.append(f"psych: {len(notes)} notes")
    """


# --- access -----------------------------------------------------------------

@hookspec
def zhurnal_permissions():
    """Declare the permissions this plugin checks and which roles get them.

    Called once at start-up. Permission names are ``<plugin>.<object>.<verb>``.

    :returns: list of :class:`zhurnal.core.access.Permission`. The kernel merges all
        lists; two plugins declaring one name stop start-up.

    Example::

        @hookimpl
        def zhurnal_permissions():
            return [Permission("psych.note.read", "Read psychologist's notes", roles=("psychologist",)),
                    Permission("psych.note.write", "Write psychologist's notes", roles=("psychologist",))]
    """


@hookspec
def zhurnal_roles():
    """Declare roles beyond the kernel's (admin, director, deputy, teacher, class_teacher, nurse,
    parent, student, support), e.g. a school psychologist or a speech therapist.

    Called once at start-up, before permissions are registered, for every loaded plugin.
    Permissions (``zhurnal_permissions``), ``[grants]`` settings and role assignments may
    then name the role; its label is shown (translated) on account pages.

    :returns: list of :class:`zhurnal.core.access.Role`; all lists are merged, and a name
        declared twice (or one of the kernel's) stops start-up with one line.

    Example::

        @hookimpl
        def zhurnal_roles():
            return [Role("psychologist", "School psychologist", scopes=("school", "class"))]
    """


@hookspec(firstresult=True)
def zhurnal_object_scope(obj):
    """Tell where an object belongs, so that scoped role assignments can match it.

    Called by :func:`zhurnal.core.access.can` for each object it is asked about. The
    plugin that owns ``obj``'s type answers; others return ``None``.

    :param obj: any model instance a permission is checked against.
    :returns: a :class:`zhurnal.core.access.Scope` (school, classes, students) or ``None``.
        The first non-``None`` answer is used.

    Example::

        @hookimpl
        def zhurnal_object_scope(obj):
            if isinstance(obj, Note):
                return Scope.of(obj.school_id, class_ids=[obj.class_id], student_ids=[obj.student_id])
            return None                     # not ours: another plugin answers
    """


# --- web, API, CLI ------------------------------------------------------------

@hookspec
def zhurnal_blueprints():
    """Return the Flask blueprints of this plugin (pages and API).

    Called once in :func:`zhurnal.core.app.create_app` for every loaded plugin; all are
    registered at start-up. The kernel guards each one: while the plugin is
    switched off for the current user's school its routes answer 404.
    API blueprints use ``url_prefix="/api/v1"``; page blueprints ``/<name>``.

    :returns: list of :class:`flask.Blueprint`.

    Example::

        @hookimpl
        def zhurnal_blueprints():
            from .api import bp as api_bp   # Blueprint("psych_api", __name__, url_prefix="/api/v1")
            from .views import bp           # Blueprint("psych", __name__, url_prefix="/psych")
            return [bp, api_bp]
    """


@hookspec
def zhurnal_nav_items(user, school):
    """Contribute entries to the main navigation for this user.

    Called on every page render, only for plugins enabled for ``school``.
    Check permissions here; return nothing the user may not open.

    :returns: list of :class:`zhurnal.core.ui.NavItem`; all lists are merged and sorted by
        ``priority`` (lower first), then label.

    Example::

        @hookimpl
        def zhurnal_nav_items(user, school):
            if not can(user, "psych.note.read"):
                return []
            return [NavItem(_("Psychologist"), "psych.index", priority=400)]
    """


@hookspec
def zhurnal_dashboard_widgets(user, school):
    """Contribute panels to the user's dashboard (the start page after login).

    Called once per dashboard view, only for plugins enabled for ``school``.

    :returns: list of :class:`zhurnal.core.ui.Widget`; merged and sorted by ``priority``.

    Example::

        @hookimpl
        def zhurnal_dashboard_widgets(user, school):
            if can(user, "psych.note.read"):
                return [Widget(_("Talks this week"), template="psych/_week.html",
                               context={"rows": week_rows(user, school)}, priority=50)]
    """


@hookspec
def zhurnal_cli_commands():
    """Return click commands (or groups) to add under ``zhurnal``.

    Called when the CLI starts, for plugins loaded in the deployment. A command
    runs inside the application context.

    :returns: list of :class:`click.Command`.

    Example::

        @hookimpl
        def zhurnal_cli_commands():
            @click.command("psych-purge")
            @with_app                        # from zhurnal.core.cli
            def purge():
                # Remove notes past their retention date.
                click.echo(f"removed {service.purge()} notes")
            return [purge]
    """


@hookspec
def zhurnal_importers():
    """Offer file importers for ``zhurnal import KIND FILE`` and the import pages.

    :returns: dict ``{kind: callable(path_or_stream, filename, school, user, dry_run) -> ImportReport}``
        (:class:`zhurnal.core.import_report.ImportReport`, the file read with :mod:`zhurnal.core.tabular`);
        dicts are merged, and a kind offered twice stops start-up.

    Example::

        @hookimpl
        def zhurnal_importers():
            def import_notes(path_or_stream, filename, school, user, dry_run):
                return service.import_notes(read_bytes(path_or_stream), school, user, dry_run)  # -> ImportReport
            return {"psych-notes": import_notes}      # zhurnal import psych-notes notes.xlsx
    """


@hookspec
def zhurnal_exporters():
    """Offer file exporters for ``zhurnal export KIND FILE``.

    :returns: dict ``{kind: callable(path, school, class_name_or_None) -> rows_written}``;
        the format follows the file's extension (``.csv`` or ``.xlsx``). An unknown
        class raises ``LookupError`` with a one-line message. Dicts are merged, and a
        kind offered twice stops start-up.

    Example::

        @hookimpl
        def zhurnal_exporters():
            def export_notes(path, school, class_name):
                rows = service.note_rows(school, class_name)   # LookupError("no class 5Я") if unknown
                write_table(path, HEADER, rows)
                return len(rows)
            return {"psych-notes": export_notes}      # zhurnal export psych-notes notes.csv --class 5А
    """


@hookspec
def zhurnal_student_card_sections(student, user):
    """Contribute sections to a student's card (the page a class teacher opens).

    Called only for plugins enabled for the student's school; a section must
    only contain what ``user`` may see. The roster plugin, which renders the card, audits the read.

    :returns: list of :class:`zhurnal.core.ui.Widget`, sorted by ``priority``.

    Example::

        @hookimpl
        def zhurnal_student_card_sections(student, user):
            if not can(user, "psych.note.read", student):
                return []
            return [Widget(_("Psychologist"), template="psych/_card.html",
                           context={"notes": service.notes_of(student)}, priority=60)]
    """


@hookspec(firstresult=True)
def zhurnal_absence_justification(student_id, day):
    """Does a document another plugin holds excuse a student's absence on ``day``?

    Called by the journal when an absence ("absent" or "ill") is recorded, only for
    plugins enabled for the student's school (e.g. health_sheet answers for a medical
    certificate covering that day, so absences entered after the certificate are
    excused as well as those before it).

    :param student_id: roster student id
    :param day: :class:`datetime.date` of the lesson
    :returns: a tag naming the document, e.g. ``"health_sheet:certificate:12"``, or
        ``None``; the first non-``None`` answer is used. The plugin that owns the
        document sends a signal when it is withdrawn, naming the same tag's id.

    Example::

        @hookimpl
        def zhurnal_absence_justification(student_id, day):
            trip = Trip.get_or_none((Trip.student == student_id) & (Trip.date_from <= day) & (Trip.date_to >= day))
            return f"trips:trip:{trip.id}" if trip else None
    """


@hookspec
def zhurnal_app_ready(app):
    """The application is built: register Jinja filters, context processors, etc.

    Called once at the end of :func:`zhurnal.core.app.create_app` for every loaded plugin.
    Signal receivers are connected here with :func:`zhurnal.core.signals.connect`.

    Example::

        @hookimpl
        def zhurnal_app_ready(app):
            from zhurnal.core.signals import connect
            from zhurnal.plugins.journal import signals as journal_signals
            app.add_template_filter(short_name, "psych_short_name")
            connect(journal_signals.remark_added, on_remark_added, app=app, owner="psych")
    """


@hookspec
def zhurnal_personal_data(user_id, person, viewer):
    """Export what this plugin holds about a person (152-FZ, art. 14: the subject's access request).

    Called by :func:`zhurnal.core.personal_data.export` (``GET /api/v1/me/personal-data``,
    ``GET /api/v1/users/<id>/personal-data``, the profile page, ``zhurnal personal-data export``)
    for the plugins enabled for the account's school: once for each record the account is
    (``zhurnal_personal_data_subjects``; ``{"kind": "staff", "id": <account id>}`` for staff), and,
    for a guardian, once for each child with ``user_id=None``. Sections of several calls are merged.

    :param user_id: the account whose data is asked for, or ``None`` when asking about a
        person alone (a guardian's child): then return what is held about ``person`` only
    :param person: dict with ``kind`` ("student", "guardian", "staff") and ``id`` (the record's id;
        the account id for staff)
    :param viewer: the :class:`~zhurnal.core.identity.models.User` asking (the person, their guardian or the
        administration), or ``None`` for the operator on the command line. A plugin holding special
        categories of data (art. 10: health) returns them only to the person, their guardian and an
        administrator, and nothing to anyone else.
    :returns: dict section -> JSON-serialisable data, or ``None``. Merged under the plugin's name.

    Implementations written before ``viewer`` was passed keep working (pluggy passes only the
    arguments an implementation declares).

    Example::

        @hookimpl
        def zhurnal_personal_data(user_id, person, viewer):
            if person["kind"] != "student":
                return None
            return {"notes": [{"date": n.date.isoformat(), "text": n.text}
                              for n in Note.select().where(Note.student == person["id"])]}
    """


@hookspec
def zhurnal_personal_data_subjects(user_id):
    """Which records of this plugin an account *is*, or is a guardian of (for the access request).

    Called by :func:`zhurnal.core.personal_data.export` for the plugins enabled for the account's school,
    before ``zhurnal_personal_data``. The roster answers with the account's student and guardian
    records and, for a guardian, their children (never another family's).

    :param user_id: the account's id
    :returns: list of dicts ``{"kind": "student"|"guardian", "id": int, "relation": "self"|"child",
        "object_type": <table name, to find the audit log's reads of it>, "label": <a child's name>}``,
        or ``None``. Lists of all plugins are concatenated.

    Example::

        @hookimpl
        def zhurnal_personal_data_subjects(user_id):
            member = ClubMember.get_or_none(ClubMember.user == user_id)
            return [{"kind": "student", "id": member.student_id, "relation": "self",
                     "object_type": "club_member", "label": ""}] if member else None
    """


@hookspec
def zhurnal_audit_vocabulary():
    """Say how this plugin's audit entries read on the audit page and in its export.

    Called once per audit page or export, for every loaded plugin (entries of a plugin
    switched off for a school still have to read well).

    :returns: a :class:`zhurnal.core.audit_view.AuditVocabulary`: ``actions`` (action code or
        prefix -> translated phrase, «поставил(а) отметку»), ``objects`` (object type ->
        resolver taking the page's ids and returning ``{id: (label, url)}``; called once
        per type per page, never per row), ``kinds`` (filter groups: label -> action
        prefixes) and ``class_objects`` (class id -> ``[(object_type, query of matching
        ids as text)]`` for the class filter). Dictionaries of all plugins are merged.

    Example::

        @hookimpl
        def zhurnal_audit_vocabulary():
            def notes(ids):                  # once per page for all ids of this type
                return {str(n.id): (f"note {n.id}", url_for("psych.note", note_id=n.id))
                        for n in Note.select().where(Note.id.in_([int(i) for i in ids]))}
            return AuditVocabulary(actions={"psych.note.write": _l("wrote a psychologist's note")},
                                   objects={"psych_note": notes},
                                   kinds={_l("Psychologist"): ["psych."]})
    """

@hookspec
def zhurnal_metrics():
    """Report this plugin's own figures for the operator's ``GET /metrics``.

    Called each time the metrics endpoint is scraped (a few times a minute), for
    every loaded plugin; keep it to a few cheap aggregate queries.

    :returns: list of ``(name, help, value)`` gauges; each is published as
        ``zhurnal_<plugin>_<name>``. Lists are not merged across plugins: every
        plugin's names live under its own prefix.

    Example::

        @hookimpl
        def zhurnal_metrics():
            return [("notes", "Psychologist's notes kept", Note.select().count())]   # zhurnal_psych_notes
    """

# --- consent and paper delivery -------------------------------------------------

@hookspec(firstresult=True)
def zhurnal_consent_granted(user_id, student_id):
    """May personal data of ``student_id`` be sent to the account ``user_id`` through an outgoing channel?

    Called by the notification pipeline when a notification about a student is queued
    and again when it is sent, and by the diary before it shows a guardian their
    child's data (unless the school relaxed the web part). Only plugins enabled for
    the student's school are asked; the ``consent`` plugin answers from its
    registry (152-FZ): ``True`` only while the guardian linked to ``user_id`` has
    granted consent for that child.

    :param user_id: the recipient's account id (a guardian, or the student)
    :param student_id: roster student id whose data would be delivered
    :returns: ``True`` (granted), ``False`` (refused, withdrawn or nothing
        registered) or ``None`` (this plugin does not know). The first non-``None``
        answer is used; when nobody answers, outgoing delivery is refused.

    Example::

        @hookimpl
        def zhurnal_consent_granted(user_id, student_id):
            row = Consent.current(user_id=user_id, student_id=student_id)
            if row is None:
                return None if not is_guardian_account(user_id) else False
            return row.status == "granted"
    """


@hookspec(firstresult=True)
def zhurnal_paper_delivery_guardians(class_id):
    """Which guardians of a class must get the journal on paper?

    Called by paper export when a class teacher prints extracts "for the paper
    list", only for plugins enabled for the class's school. The ``consent``
    plugin answers with the guardians who refused electronic delivery or have
    no consent registered.

    :param class_id: roster class id
    :returns: list of roster guardian ids, or ``None`` when this plugin keeps no
        such list (then the class teacher chooses by hand). The first non-``None``
        answer is used.

    Example::

        @hookimpl
        def zhurnal_paper_delivery_guardians(class_id):
            return [g.id for g in guardians_of_class(class_id) if current_status(g) != "granted"]
    """


@hookspec
def zhurnal_paper_acknowledgements(student_ids, date_from, date_to):
    """Paper copies of the journal handed to families, which count as acknowledging the diary.

    Called by the diary's acknowledgement control for a class and a week, only for
    plugins enabled for the class's school. ``paper_export`` answers with the extracts
    the class teacher ticked as handed over («выдано») whose period overlaps the dates.

    :param student_ids: roster student ids
    :param date_from: first day asked about (:class:`datetime.date`)
    :param date_to: last day asked about
    :returns: list of dicts ``{student_id, guardian_id (None: handed to a guardian not
        named), date_from, date_to, handed_on}``; the lists of all plugins are concatenated.

    Example::

        @hookimpl
        def zhurnal_paper_acknowledgements(student_ids, date_from, date_to):
            return [{"student_id": x.student_id, "guardian_id": x.guardian_id, "date_from": x.date_from,
                     "date_to": x.date_to, "handed_on": x.handed_on}
                    for x in Handed.select().where(Handed.student.in_(student_ids) & (Handed.date_from <= date_to)
                                                   & (Handed.date_to >= date_from))]
    """


@hookspec(firstresult=True)
def zhurnal_render_pdf(html):
    """Render a complete HTML document (inline styles, inline SVG) as a PDF on A4.

    Called by a plugin that offers a printed copy of one of its pages (e.g. an analytics
    report), through the school's hooks, so only plugins enabled for the school answer.
    The ``paper_export`` plugin answers with WeasyPrint (Cyrillic fonts included).

    :param html: the document as a string
    :returns: the PDF's bytes, or ``None`` when this plugin renders no PDFs; the first
        answer is used, and when nobody answers the caller offers no PDF.

    Example::

        @hookimpl
        def zhurnal_render_pdf(html):
            from weasyprint import HTML
            return HTML(string=html).write_pdf()
    """

# --- notifications -------------------------------------------------------------

@hookspec
def zhurnal_notification_channels():
    """Offer notification channels (email, SMS gateway, messenger, a vendor's own).

    Called once when the application is built, for every loaded plugin; the
    kernel makes one instance of each class with the plugin's validated settings
    (``Channel(settings=..., app=app)``). The worker delivers through a channel
    only for schools where its plugin is enabled. See
    :mod:`zhurnal.core.notify.channel` for the contract (code, title, settings schema,
    ``addresses_for(users)``, ``text_format``, ``send(message) -> DeliveryResult``).

    :returns: list of :class:`zhurnal.core.notify.channel.Channel` subclasses. Lists are
        merged; two channels with one ``code`` stop start-up.

    Example::

        class PagerChannel(Channel):
            code, title, address_kind, text_format = "pager", "Pager", "phone", "short"

            def send(self, message):
                status = post(self.settings["url"], message.address, message.short_text)
                return DeliveryResult.delivered() if status < 300 else DeliveryResult.temporary(f"HTTP {status}")

        @hookimpl
        def zhurnal_notification_channels():
            return [PagerChannel]
    """


@hookspec(firstresult=True)
def zhurnal_contact_address(user, kind):
    """Where does this account receive messages of ``kind``?

    Called by :func:`zhurnal.core.notify.address.contact_of` (channels' default
    ``address_for`` of one user: the preferences page), only for plugins enabled for the
    user's school. The roster answers for accounts linked to a guardian, whose
    contacts live in the ``Guardian`` record; staff accounts get no answer and
    the kernel uses ``User.email`` / ``User.phone``.

    :param user: a :class:`zhurnal.core.identity.models.User`
    :param kind: ``"email"`` or ``"phone"`` (other kinds belong to their channel)
    :returns: the address, ``""`` when the plugin owns this user's contacts but
        none is recorded, or ``None`` (not this plugin's user). The first
        non-``None`` answer is used.

    Example::

        @hookimpl
        def zhurnal_contact_address(user, kind):
            guardian = Guardian.get_or_none(Guardian.user == user.id)
            if guardian is None or kind not in ("email", "phone"):
                return None                  # not ours: the kernel reads User.email / User.phone
            return getattr(guardian, kind) or ""
    """


@hookspec(firstresult=True)
def zhurnal_contact_addresses(user_ids, kind):
    """``zhurnal_contact_address`` for many accounts at once (a class announcement's fan-out).

    Called by :func:`zhurnal.core.notify.address.contacts_of`, once per school, only for
    plugins enabled for that school. The roster answers for the accounts linked to
    guardians, in one query.

    :param user_ids: account ids of one school
    :param kind: ``"email"`` or ``"phone"``
    :returns: dict ``{user_id: address or ""}`` naming only the accounts whose
        contacts this plugin owns (others fall back to the account), or ``None``.
        The first non-``None`` answer is used.

    Example::

        @hookimpl
        def zhurnal_contact_addresses(user_ids, kind):
            if kind not in ("email", "phone"):
                return None
            rows = Guardian.select(Guardian.user, getattr(Guardian, kind)).where(Guardian.user.in_(user_ids)).tuples()
            return {user_id: address or "" for user_id, address in rows}
    """


@hookspec(firstresult=True)
def zhurnal_notification_audience(student_id):
    """Who hears about a student's marks, absences, remarks...?

    Called by the notification pipeline when it fans a notification about
    ``student_id`` out into deliveries, and again right before each delivery is
    sent (a guardian unlinked in between gets nothing), only for plugins enabled
    for the student's school. The roster answers.

    :param student_id: roster student id
    :returns: list of dicts ``{"user_id": int, "role": "guardian" | "student"}``
        (accounts only), or ``None`` (not this plugin's). First non-``None`` answer wins.

    Example::

        @hookimpl
        def zhurnal_notification_audience(student_id):
            people = [{"user_id": g.user_id, "role": "guardian"} for g in guardians_of(student_id) if g.user_id]
            student = Student.get_or_none(Student.id == student_id)
            if student is None:
                return None
            return people + ([{"user_id": student.user_id, "role": "student"}] if student.user_id else [])
    """


@hookspec
def zhurnal_notification_details(event, student_id, data):
    """Fill in what a notification's texts need that was not read when it was queued.

    A service queues a notification with ids only (saving a mark stays one INSERT
    more); the worker calls this once per notification when it fans it out, for
    plugins enabled for the school, and stores the merged result into the
    notification's data. The journal answers with the student's and the subject's names.

    :param event: the event code (``"mark"``, ``"absence"``...)
    :param student_id: the student it is about, or ``None``
    :param data: the notification's data as queued
    :returns: a dict of extra data fields, or ``None``; the dicts are merged in
        plugin order (later plugins win on the same key).

    Example::

        @hookimpl
        def zhurnal_notification_details(event, student_id, data):
            if event != "mark":
                return None
            return {"student": student_name(student_id), "subject": subject_name(data["subject_id"])}
    """


@hookspec(firstresult=True)
def zhurnal_notification_current(event, student_id, data):
    """Is a queued notification still worth sending?

    Called by the notification worker right before a delivery is sent, for
    plugins enabled for the school. The plugin that queued the event answers
    (e.g. the journal says an absence notice is void once the absence was
    excused or removed); others return ``None``.

    :param event: the notification's event code (``"absence"``)
    :param student_id: the student it is about, or ``None``
    :param data: the notification's data dict, as queued
    :returns: ``False`` to cancel the delivery, ``True`` or ``None`` to send. First
        non-``None`` answer wins.

    Example::

        @hookimpl
        def zhurnal_notification_current(event, student_id, data):
            if event != "absence":
                return None
            row = Attendance.get_or_none(Attendance.id == data["attendance_id"])
            return row is not None and row.status in ("absent", "ill")   # excused meanwhile: False
    """


@hookspec
def zhurnal_security_alert(alert):
    """Deliver an urgent security notice to staff through a channel (email, SMS, messenger).

    Called by the kernel's background job :func:`zhurnal.core.jobs.notify_compromise_job`
    when an account's credentials are reported compromised (``kind``
    ``"credentials_compromised"``), for the plugins enabled for the account's school,
    inside the transaction that marks the head of school and support as told in-app.
    Also called with kind ``"incident_overdue"`` (to the school's directors, when an
    incident passed its deadline unresolved), ``"new_device_login"`` (to the account's
    owner, at a sign-in from a device never used) and ``"unlock_code"`` (to the owner of
    a locked account who asked for one; ``data["code"]`` is the one-time code) and
    ``"audit_digest"`` (daily, to support and directors: ``data`` is the signed digest of
    the audit chain's head, to keep outside the database; ``account`` is ``None``). Write the message to your outbox here (do not send
    synchronously); raising rolls the notice back and the job is retried.
    ``alert`` is a :class:`zhurnal.core.jobs.SecurityAlert` (``kind``, ``key`` for
    idempotency, ``school_id``, ``account``, ``at``, ``recipients``, ``data``).

    The kernel also writes the notice to its notification outbox (event
    ``security_alert``, no consent check: it is not a student's data), so a
    channel offered through ``zhurnal_notification_channels`` needs nothing
    here; this hook remains for plugins that keep an outbox of their own.

    :returns: the channel's name (e.g. ``"email"``) if it took the notice, else ``None``.

    Example::

        @hookimpl
        def zhurnal_security_alert(alert):
            if alert.kind != "credentials_compromised":
                return None
            for user in alert.recipients:
                MyOutbox.insert(key=f"{alert.key}:{user.id}", to=user.id, text=f"{alert.account.login}").on_conflict_ignore().execute()
            return "my_outbox"
    """


# --- incidents ------------------------------------------------------------------

@hookspec
def zhurnal_school_holidays(school_id, date_from, date_to):
    """Days off of a school (its holidays) between two dates, for working-day arithmetic.

    Called by the kernel when it computes an incident's deadline (one working day,
    weekends and holidays excluded, :mod:`zhurnal.core.incidents`), for the plugins enabled for
    the school. The kernel knows no calendar of its own: the plugin that keeps the
    school's academic years answers (roster).

    :param school_id: the school (``core_school.id``)
    :param date_from: first day asked about (``datetime.date``)
    :param date_to: last day asked about (inclusive)
    :returns: an iterable of ``datetime.date`` the school is closed on, or ``None``;
        the answers of all plugins are combined (union).

    Example::

        @hookimpl
        def zhurnal_school_holidays(school_id, date_from, date_to):
            days = set()
            for h in Holiday.select().where((Holiday.school == school_id) & (Holiday.date_from <= date_to)
                                            & (Holiday.date_to >= date_from)):
                days.update(h.date_from + dt.timedelta(days=i) for i in range((h.date_to - h.date_from).days + 1))
            return days
    """


@hookspec(firstresult=True)
def zhurnal_revert_write(entry, by):
    """Undo one write recorded in the audit, by making a new change through your service.

    Called by the kernel for each audit entry of an incident's suspect window when an
    admin reverts them (:func:`zhurnal.core.incidents.revert`), newest first, inside no
    transaction (each revert is its own audited change: nothing is deleted from the
    history or the audit). Answer only for actions your plugin recorded.

    :param entry: the :class:`zhurnal.core.audit.AuditEntry` (``action``, ``object_type``,
        ``object_id``, ``payload``, ``at``)
    :param by: the admin reverting (the new change is theirs)
    :returns: ``None`` when the action is not yours; else a dict ``{"status":
        "reverted" | "skipped", "note": str}`` ("skipped": the object changed since,
        or there is nothing to undo). The first non-``None`` answer is used.

    Example::

        @hookimpl
        def zhurnal_revert_write(entry, by):
            if entry.action != "psych.note.write":
                return None                  # not ours
            note = Note.get_or_none(Note.id == int(entry.object_id))
            if note is None or note.version != entry.payload["version"]:
                return {"status": "skipped", "note": "changed since"}
            service.restore(note, entry.payload["before"], by=by)
            return {"status": "reverted", "note": ""}
    """
