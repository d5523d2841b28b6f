"""Login slips on paper: cut-out PDF slips with a one-time activation code, the site's
address and a QR code of it, and the register of slips issued (handed over, never activated)."""
from __future__ import annotations

import io

from flask import current_app, url_for

from zhurnal.core.db import utcnow
from zhurnal.core.identity import activation
from zhurnal.core.identity.models import School, User
from zhurnal.plugins.roster import service as roster
from zhurnal.plugins.roster.models import Guardian, SchoolClass, StudentGuardian

from . import render
from .models import SlipIssue


def login_url() -> str:
    return current_app.extensions["zhurnal"].settings.base_url.rstrip("/") + url_for("identity.login")


def qr_svg(text: str) -> str:
    """The QR code of ``text`` as inline SVG (segno: no imaging library needed)."""
    import segno
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="svg", scale=4, border=2, xmldecl=False, svgns=True)
    return out.getvalue().decode()


def class_people(cls: SchoolClass):
    """(students, guardians by id, child names by guardian id) of the class."""
    students = roster.class_students(cls.id)
    guardians: dict[int, Guardian] = {}
    children: dict[int, list[str]] = {}
    for link in (StudentGuardian.select(StudentGuardian, Guardian).join(Guardian)
                 .where(StudentGuardian.student.in_([s.id for s in students] or [0]))):
        guardians[link.guardian_id] = link.guardian
        children.setdefault(link.guardian_id, []).append(
            next(s.short_name for s in students if s.id == link.student_id))
    return students, guardians, children


def issue_pdf(cls: SchoolClass, wanted: set[str], *, reissue: bool, by) -> tuple[bytes | None, list]:
    """Issue codes for the people ticked (``s:<id>``/``g:<id>``) and lay out their slips.

    People who already have an account are skipped unless ``reissue``; stopped accounts are
    skipped. The codes exist only in the returned PDF.
    """
    students, guardians, children = class_people(cls)
    people = [s for s in students if f"s:{s.id}" in wanted] + \
             [gd for gid, gd in sorted(guardians.items(), key=lambda x: x[1].last_name) if f"g:{gid}" in wanted]
    issued = []
    for person in people:
        if person.user_id and not reissue:
            continue
        try:
            issued.append(roster.issue_account(person, by=by))
        except roster.AccountStopped:
            continue
    if not issued:
        return None, []
    school = School.get_by_id(cls.school_id)
    url = login_url()
    markup = render.html("paper_export/slips.html", cls=cls, school=school, issued=issued, url=url,
                         qr=qr_svg(url), children=children)
    return render.pdf(markup), issued


def register(cls: SchoolClass) -> dict:
    """The slips issued for the class's people, newest first, and who never activated."""
    students, guardians, children = class_people(cls)
    names = {("student", s.id): s.full_name for s in students}
    names.update({("guardian", gid): gd.full_name for gid, gd in guardians.items()})
    rows = list(SlipIssue.select().where(SlipIssue.school_class == cls.id).order_by(SlipIssue.issued_at.desc(),
                                                                                    SlipIssue.id.desc()))
    users = {u.id: u for u in User.select().where(
        User.id.in_({r.user_id for r in rows} | {r.issued_by_id for r in rows if r.issued_by_id} or {0}))}
    latest: dict[int, SlipIssue] = {}
    for r in rows:
        latest.setdefault(r.user_id, r)
    now = utcnow()
    never = []
    for uid, r in latest.items():
        u = users.get(uid)
        if u is None:
            continue
        expires = activation.pending(u)
        # a code never used, or used without choosing a password (that person cannot log in again)
        if expires is not None or activation.awaiting_password(u):
            never.append({"slip": r, "name": names.get((r.person_kind, r.person_id), u.display_name),
                          "login": u.login, "expired": expires is not None and expires < now,
                          "no_password": expires is None})
    return {"rows": rows, "users": users, "names": names, "never": never, "students": students,
            "guardians": guardians, "children": children, "current": {r.id for r in latest.values()}}


