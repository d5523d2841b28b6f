"""The roster's navigation items and dashboard widgets (my class, my children, what I teach, the school)."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from zhurnal.core import access
from zhurnal.core.ui import NavItem, Widget

from . import service
from .models import Guardian, SchoolClass, Student, StudentGuardian, StudyGroup


def _led_classes(user, school) -> list[SchoolClass]:
    if "class_teacher" not in access.roles(user) or school is None:
        return []
    year = service.current_year(school)
    return [c for c in service.classes_led_by(user) if year is not None and c.year_id == year.id]


def nav_items(user, school):
    items = []
    led = _led_classes(user, school)
    for c in led:
        label = _("My class %(name)s", name=c.name) if len(led) > 1 else _("My class")
        items.append(NavItem(label, "roster.class_list", priority=20, params=(("class_id", c.id),)))
    v = access.visible(user, "roster.class.read")
    if v.everything or v.schools:
        items.append(NavItem(_("Classes"), "roster.classes", priority=30))
    if school is not None and access.can(user, "roster.school.manage", school):
        items.append(NavItem(_("School"), "roster.school", priority=800))
    from .setup_views import may_set_up
    if may_set_up(user, school):
        items.append(NavItem(_("Set-up"), "roster.setup_page", priority=790))
    return items


def dashboard_widgets(user, school):
    widgets = []
    for cls in _led_classes(user, school):
        students = list(Student.select(Student.id, Student.gender, Student.user, Student.individual_plan)
                        .where((Student.school_class == cls.id) & Student.left_at.is_null()))
        guardians = set(StudentGuardian.select(Guardian.id, Guardian.user).join(Guardian)
                        .where(StudentGuardian.student.in_([s.id for s in students] or [0])).tuples())
        stats = {"students": len(students), "boys": sum(s.gender == "m" for s in students),
                 "girls": sum(s.gender == "f" for s in students),
                 "student_accounts": sum(s.user_id is not None for s in students),
                 "individual": sum(bool(s.individual_plan) for s in students),
                 "guardians": len(guardians), "guardian_accounts": sum(uid is not None for _gid, uid in guardians)}
        widgets.append(Widget(_("My class %(name)s", name=cls.name), template="roster/widget_class.html",
                              context={"cls": cls, "stats": stats}, priority=10))
    roles = access.roles(user)
    if "parent" in roles or "student" in roles:
        people = service.children_of(user) if "parent" in roles else []
        own = Student.get_or_none(Student.user == user.id) if "student" in roles else None
        if own is not None:
            people = [own] + [p for p in people if p.id != own.id]
        if people:
            names = {c.id: c.name for c in SchoolClass.select().where(
                SchoolClass.id.in_([p.school_class_id for p in people if p.school_class_id] or [0]))}
            widgets.append(Widget(_("My children") if "parent" in roles else _("My data"),
                                  template="roster/widget_children.html",
                                  context={"people": people, "names": names}, priority=15))
    year = service.current_year(school) if school is not None else None
    teaching = _teaching_rows(user, year) if year is not None and roles & {"teacher", "class_teacher"} else []
    if teaching:
        widgets.append(Widget(_("What I teach"), template="roster/widget_teaching.html",
                              context={"rows": teaching}, priority=20))
    from .setup_views import may_set_up
    if may_set_up(user, school):
        from .setup import checklist
        steps = checklist(school, user) if school is not None else []
        if school is None or not all(s.done for s in steps):
            widgets.append(Widget(_("Setting the school up"), template="roster/widget_setup.html",
                                  context={"school": school, "steps": steps,
                                           "upcoming": next((s for s in steps if not s.done), None)}, priority=5))
    if school is not None and access.can(user, "roster.school.manage", school):
        classes = service.classes(school)
        counts = service.student_counts(c.id for c in classes)
        widgets.append(Widget(_("School"), template="roster/widget_school.html",
                              context={"classes": len(classes), "students": sum(counts.values())}, priority=50))
    elif school is not None and not teaching and not widgets and access.can(user, "roster.class.read", school):
        # staff who read every class list without teaching (the nurse): the classes, one click away
        classes = service.classes(school, year) if year is not None else []
        widgets.append(Widget(_("Classes"), template="roster/widget_classes.html",
                              context={"classes": classes, "counts": service.student_counts(c.id for c in classes)},
                              priority=40))
    return widgets


def _teaching_rows(user, year) -> list[dict]:
    """The user's teaching this year, one row per subject: [{"subject", "targets": [(label, url)]}]."""
    assignments = service.teaching_of(user, year)
    class_ids = {ta.school_class_id for ta in assignments if ta.school_class_id}
    group_ids = {ta.group_id for ta in assignments if ta.group_id}
    classes = {c.id: c for c in SchoolClass.select().where(SchoolClass.id.in_(sorted(class_ids) or [0]))}
    groups = {grp.id: grp for grp in StudyGroup.select().where(StudyGroup.id.in_(sorted(group_ids) or [0]))}
    by_subject: dict[str, list] = {}
    for ta in sorted(assignments, key=lambda t: t.subject.name):
        targets = by_subject.setdefault(ta.subject.name, [])
        if ta.school_class_id in classes:
            c = classes[ta.school_class_id]
            targets.append(((c.parallel, c.letter, ""), c.name, url_for("roster.class_list", class_id=c.id)))
        elif ta.group_id in groups:
            grp = groups[ta.group_id]
            targets.append(((99, "", grp.name), grp.name, url_for("roster.group", group_id=grp.id)))
    return [{"subject": name, "targets": [(label, url) for _key, label, url in sorted(targets)]}
            for name, targets in by_subject.items()]
