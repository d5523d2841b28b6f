"""``zhurnal journal ...``: lesson generation and closing periods from the command line."""
from __future__ import annotations

import click

from zhurnal.core.cli import with_app


def _period(school_id, number: int):
    from zhurnal.core import clock
    from zhurnal.plugins.roster import service as roster
    from zhurnal.plugins.roster.models import Period
    year = roster.current_year(school_id, clock.today())
    p = Period.get_or_none((Period.year == getattr(year, "id", None)) & (Period.number == number))
    if p is None:
        raise click.ClickException(f"no period {number} in the current school year")
    return p


def _school(school_id):
    from zhurnal.core.identity.models import School
    s = School.get_or_none(School.id == school_id) if school_id else School.select().order_by(School.id).first()
    if s is None:
        raise click.ClickException("no such school")
    return s


@click.group("journal")
def journal():
    """Electronic journal: generate lessons from the timetable, close and reopen periods."""


@journal.command("generate")
@click.argument("period", type=int)
@click.option("--class", "class_name", help="Only this class, e.g. 5А.")
@click.option("--school", "school_id", type=int, help="School id (default: the first).")
@with_app
def generate(period, class_name, school_id):
    """Create the lessons of PERIOD (its number in the current year) from the timetable, skipping holidays."""
    from zhurnal.plugins.roster.models import SchoolClass
    from . import service
    school = _school(school_id)
    p = _period(school.id, period)
    cls = None
    if class_name:
        cls = next((c for c in SchoolClass.select().where((SchoolClass.school == school.id) &
                                                          (SchoolClass.year == p.year_id))
                    if c.name.upper() == class_name.upper()), None)
        if cls is None:
            raise click.ClickException(f"no class {class_name!r}")
    n = service.generate_lessons(p, class_id=cls.id if cls else None)
    click.echo(f"{p.name}: {n} lessons created")


@journal.command("close")
@click.argument("period", type=int)
@click.option("--school", "school_id", type=int, help="School id (default: the first).")
@with_app
def close(period, school_id):
    """Close PERIOD for editing."""
    from . import service
    p = service.close_period(_period(_school(school_id).id, period))
    click.echo(f"{p.name}: closed")


@journal.command("reopen")
@click.argument("period", type=int)
@click.option("--school", "school_id", type=int, help="School id (default: the first).")
@with_app
def reopen(period, school_id):
    """Reopen a closed PERIOD."""
    from . import service
    p = service.reopen_period(_period(_school(school_id).id, period))
    click.echo(f"{p.name}: open")
