"""Demo: the deputy has already sent the first quarter's reports; class teachers have them unopened."""
from __future__ import annotations

from zhurnal.core.identity.models import User
from zhurnal.plugins.roster.models import AcademicYear, Period

from . import service


def seed(ctx) -> None:
    first = (Period.select().join(AcademicYear).where(AcademicYear.school == ctx.school.id)
             .order_by(Period.start).first())
    deputy = User.get_or_none(User.login == "deputy")
    if first is None or deputy is None or first.end >= ctx.today:
        return
    sent = service.send_school(ctx.school.id, first.start, first.end, by=deputy)
    ctx.summary.append(f"analytics: {len(sent)} reports of «{first.name}» sent by the deputy")
