"""Files in and out: ``zhurnal import KIND PATH`` and ``zhurnal export KIND [PATH]``.

The kinds come from the plugins' ``zhurnal_importers`` and ``zhurnal_exporters``.
"""
from __future__ import annotations

import sys

import click

from . import _the_school, main, with_app


def _importers(app) -> dict:
    out = {}
    for name, d in app.extensions["zhurnal"].plugins.per_plugin("zhurnal_importers").items():
        for kind, fn in (d or {}).items():
            if kind in out:
                raise click.ClickException(f"two plugins import {kind!r}")
            out[kind] = fn
    return out


@main.command("import")
@click.argument("kind")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--school", "school_id", type=int, default=None, help="School id (default: the only school).")
@click.option("--dry-run", is_flag=True, help="Check the file and report; write nothing.")
@with_app
def import_cmd(kind, path, school_id, dry_run):
    """Import a file (KIND: students, ...). Nothing is written unless every row is valid."""
    from flask import current_app
    importers = _importers(current_app)
    if kind not in importers:
        raise click.ClickException(f"unknown import kind {kind!r} (known: {', '.join(sorted(importers)) or 'none'})")
    school = _the_school(school_id)
    with open(path, "rb") as fh:
        report = importers[kind](fh, path, school, None, dry_run)
    for line in report.lines():
        click.echo(line, err=not report.ok)
    if not report.ok:
        sys.exit(1)


def _exporters(app) -> dict:
    out = {}
    for name, d in app.extensions["zhurnal"].plugins.per_plugin("zhurnal_exporters").items():
        for kind, fn in (d or {}).items():
            if kind in out:
                raise click.ClickException(f"two plugins export {kind!r}")
            out[kind] = fn
    return out


@main.command("export")
@click.argument("kind")
@click.argument("path", required=False, type=click.Path(dir_okay=False, writable=True))
@click.option("--school", "school_id", type=int, default=None, help="School id (default: the only school).")
@click.option("--class", "class_name", default=None, help="Only this class (e.g. 5А).")
@click.option("--from", "date_from", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="First day (kinds that cover dates, e.g. extracts).")
@click.option("--to", "date_to", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Last day.")
@with_app
def export_cmd(kind, path, school_id, class_name, date_from, date_to):
    """Export data to a file (KIND: students, extracts...); the format follows the extension (.csv, .xlsx, .pdf)."""
    from flask import current_app
    exporters = _exporters(current_app)
    if kind not in exporters:
        raise click.ClickException(f"unknown export kind {kind!r} (known: {', '.join(sorted(exporters)) or 'none'})")
    exporter = exporters[kind]
    school = _the_school(school_id)
    dates = {k: v.date() for k, v in (("date_from", date_from), ("date_to", date_to)) if v is not None}
    if dates and not getattr(exporter, "takes_dates", False):
        raise click.ClickException(f"--from/--to do not apply to {kind!r}")
    if path is None:
        if not hasattr(exporter, "default_path"):
            raise click.ClickException("name the file to write")
        path = exporter.default_path(class_name, dates.get("date_from"), dates.get("date_to"))
    extensions = getattr(exporter, "extensions", (".csv", ".xlsx"))
    if not path.lower().endswith(extensions):
        raise click.ClickException(f"the file name must end in {' or '.join(extensions)}")
    try:
        n = exporter(path, school, class_name, **dates)
    except LookupError as e:
        raise click.ClickException(str(e).strip("'\""))
    click.echo(f"exported {n} {getattr(exporter, 'unit', 'rows')} to {path}")
