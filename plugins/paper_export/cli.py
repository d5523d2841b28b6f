"""``zhurnal export extracts --class 5А --from … --to …`` and ``zhurnal archive verify FILE``."""
from __future__ import annotations

import re
import sys

import click


def export_extracts(path, school, class_name, date_from=None, date_to=None) -> int:
    """A class's (or, without ``--class``, the whole school's) extracts for the dates as one PDF,
    with a progress bar on the terminal; returns the pages written.

    Recorded in the handover register and the audit like a batch printed from the page.
    """
    from .render import request_context
    with request_context():
        return _export_extracts(path, school, class_name, date_from, date_to)


def _export_extracts(path, school, class_name, date_from, date_to) -> int:
    """One class (``--class``) or, without it, every class of the school's current year."""
    from zhurnal.plugins.roster import service as roster
    from . import data, render, service
    if class_name:
        cls = roster.class_by_name(school, class_name)
        if cls is None:
            raise LookupError(f"no class {class_name!r} in {school.short_name} this year")
        classes = [cls]
    else:
        classes = roster.classes(school)
    try:
        date_from, date_to = service.check_dates(date_from, date_to)
    except service.Invalid as e:
        raise LookupError("; ".join(f"--{k}: {v}" for k, v in e.fields.items()))
    students = [s for c in classes for s in roster.class_students(c.id)]
    if not students:
        raise LookupError("no students to print for")
    extracts = data.extracts(students, date_from, date_to)
    label = f"{classes[0].name}: extracts" if class_name else f"{school.short_name}: extracts"
    with click.progressbar(length=len(extracts), label=label, file=sys.stderr) as bar:
        last = [0]

        def step(done):
            bar.update(done - last[0])
            last[0] = done
        pdf, pages = render.many((service.extract_html(e) for e in extracts), step)
    with open(path, "wb") as f:
        f.write(pdf)
    service._record(extracts, by=None, via="cli")
    return pages


export_extracts.extensions = (".pdf",)
export_extracts.takes_dates = True
export_extracts.unit = "pages"


def default_path(kind: str, class_name: str | None, date_from, date_to) -> str:
    safe = re.sub(r"[^\w-]", "_", class_name or "all")
    return f"{kind}-{safe}-{date_from}-{date_to}.pdf"


export_extracts.default_path = lambda class_name, a, b: default_path("extracts", class_name, a, b)


@click.group("archive")
def archive_cmd():
    """The class journal archive on paper: make it and match a printed copy to the database."""


@archive_cmd.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def archive_verify(path):
    """Check a journal archive PDF against the database (exit 1 if it does not match)."""
    from zhurnal.core.cli import with_app

    @with_app
    def run():
        from .archive import verify
        v = verify(path)
        click.echo(("OK: " if v.ok else "MISMATCH: ") + v.message)
        if not v.ok:
            sys.exit(1)
    run()


@archive_cmd.command("make")
@click.option("--class", "class_name", required=True, help="The class, e.g. 5А.")
@click.option("--from", "date_from", type=click.DateTime(formats=["%Y-%m-%d"]), required=True)
@click.option("--to", "date_to", type=click.DateTime(formats=["%Y-%m-%d"]), required=True)
@click.option("--school", "school_id", type=int, default=None, help="School id (default: the only school).")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def archive_make(class_name, date_from, date_to, school_id, path):
    """Print the journal of a class for the dates to PATH (PDF) and record its checksum."""
    from zhurnal.core.cli import with_app

    @with_app
    def run():
        from .render import request_context
        with request_context():
            make()

    def make():
        from zhurnal.core.identity.models import School
        from zhurnal.plugins.roster import service as roster
        from . import service
        from .archive import make_archive
        schools = list(School.select().where(School.id == school_id)) if school_id else list(School.select())
        if len(schools) != 1:
            raise click.ClickException("name the school with --school ID")
        cls = roster.class_by_name(schools[0], class_name)
        if cls is None:
            raise click.ClickException(f"no class {class_name!r} this year")
        try:
            a, b = service.check_dates(date_from.date(), date_to.date())
        except service.Invalid as e:
            raise click.ClickException("; ".join(f"--{k}: {v}" for k, v in e.fields.items()))
        pdf, pages = make_archive(cls, a, b)
        with open(path, "wb") as f:
            f.write(pdf)
        click.echo(f"archived the journal of {cls.name}: {pages} pages to {path}")
    run()
