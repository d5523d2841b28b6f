"""Roster pages: the classes of the school year and a class list."""
from __future__ import annotations

import peewee as pw
from flask import abort, render_template, request

from zhurnal.core.api import load_args
from zhurnal.core.identity.models import User
from zhurnal.core.ui import login_required

from . import lookup, service
from .blueprints import pages as bp
from .inputs import Args
from .models import SchoolClass, Student
from .views import can, user_school


@bp.get("/classes")
@login_required
def classes():
    school = user_school()
    if not can("roster.class.read", school):
        abort(403)
    year = service.current_year(school)
    rows = (SchoolClass.select(SchoolClass, User)
            .join(User, pw.JOIN.LEFT_OUTER, on=(SchoolClass.class_teacher == User.id))
            .where((SchoolClass.school == school.id) & (SchoolClass.year == (year.id if year else 0)))
            .order_by(SchoolClass.parallel, SchoolClass.letter))
    rows = list(rows)
    counts = service.student_counts(c.id for c in rows)
    return render_template("roster/classes.html", year=year, rows=rows, counts=counts)


@bp.get("/classes/<id:class_id>")
@login_required
def class_list(class_id: int):
    cls = lookup.find_class(class_id, "roster.class.read")
    args = load_args(Args)
    q = (request.args.get("q") or "").strip()
    query = (Student.select().where((Student.school_class == cls.id) & Student.left_at.is_null())
             .order_by(Student.last_name, Student.first_name, Student.middle_name))
    if q:
        query = query.where(lookup.name_search(q, Student))
    total = query.count()
    students = list(query.paginate(args["page"], args["per_page"]))
    teacher = User.get_or_none(User.id == cls.class_teacher_id) if cls.class_teacher_id else None
    return render_template("roster/class.html", cls=cls, students=students, total=total, page=args["page"],
                           per_page=args["per_page"], q=q, teacher=teacher,
                           can_write=can("roster.student.write", cls), can_card=can("roster.student.card", cls),
                           can_import=can("roster.import", cls), can_accounts=can("roster.accounts.issue", cls))
