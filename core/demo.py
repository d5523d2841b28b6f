"""``zhurnal demo``: a believable Russian school, built by the kernel and each plugin in turn."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from flask import current_app

from . import access, db
from .identity.models import School, User

DEMO_PASSWORD = "demo12345"


@dataclass
class DemoContext:
    """What ``zhurnal_demo_seed`` receives.

    :ivar school: the demo school (a :class:`zhurnal.core.identity.models.School`)
    :ivar today: the date the demo's data runs up to
    :ivar rng: seeded random generator (the demo is reproducible)
    :ivar students_per_class: size of each class
    :ivar data: what earlier plugins left for later ones, by plugin name
    :ivar logins: demo login -> description, printed at the end
    :ivar summary: lines printed at the end
    """
    school: School
    today: dt.date
    rng: random.Random
    students_per_class: int = 25
    data: dict = field(default_factory=dict)
    logins: dict = field(default_factory=dict)
    summary: list = field(default_factory=list)
    password_hash: str = ""

    def account(self, login: str, display_name: str, role: str | None = None, *, scope_type: str = "school",
                scope_id: int | None = None, description: str | None = None, **extra) -> User:
        """Create a demo account with the password ``demo12345`` (not forced to change it)."""
        user = User.create(login=login, display_name=display_name, password_hash=self.password_hash,
                           school=self.school, must_change_password=False, **extra)
        if role:
            access.grant(user, role, school=self.school, scope_type=scope_type,
                         scope_id=self.school.id if scope_type == "school" and scope_id is None else scope_id)
        if description:
            self.logins[login] = description
        return user


def school_year_start(today: dt.date) -> dt.date:
    """1 September of the school year that ``today`` belongs to."""
    year = today.year if today.month >= 9 else today.year - 1
    return dt.date(year, 9, 1)


def seed(students_per_class: int = 25, today: dt.date | None = None, seed_value: int = 2026) -> DemoContext:
    """Create the demo school; the database must be initialised and empty of schools."""
    ext = current_app.extensions["zhurnal"]
    from .clock import today as clock_today
    today = today or clock_today()
    with db.database.atomic():
        school = School.create(name="Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 17» г. Твери",
                               short_name="МБОУ СОШ № 17")
        ctx = DemoContext(school=school, today=today, rng=random.Random(seed_value),
                          students_per_class=students_per_class, password_hash=ext.passwords.hash(DEMO_PASSWORD))
        admin = ctx.account("admin", "Системный администратор", description="administrator")
        User.update(school=None).where(User.id == admin.id).execute()
        access.grant(admin, "admin", scope_type="deployment", scope_id=None)
        ctx.account("director", "Смирнова Елена Викторовна", "director", description="director")
        ctx.account("deputy", "Кузнецов Андрей Павлович", "deputy", description="deputy director (учебная часть)")
        ctx.account("nurse", "Волкова Татьяна Ивановна", "nurse", description="school nurse")
        sup = ctx.account("support", "Техническая поддержка", description="tech support")
        access.grant(sup, "support", school=school, scope_type="deployment", scope_id=None)
        ctx.data["core"] = {"school": school}
        ext.plugins.per_plugin("zhurnal_demo_seed", ctx=ctx)
        from .notify.outbox import forget_pending
        forget_pending()  # the demo's made-up past is not news: nobody is notified of it
    db.refresh_statistics()
    return ctx
