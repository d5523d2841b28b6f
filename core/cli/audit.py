"""The audit log from the command line: ``zhurnal audit verify|digest|list``."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from . import main, with_app


@main.group("audit")
def audit_cmd():
    """Check and read the audit log."""


@audit_cmd.command("verify")
@click.option("--anchor", "anchors", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="A digest saved by 'zhurnal audit digest' (repeatable): the chain must still hold it.")
@with_app
def audit_verify(anchors):
    """Check the hash chain; list every altered, deleted or inserted entry."""
    import json
    from .. import audit, audit_check
    problems = audit_check.verify()
    for path in anchors:
        try:
            saved = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise click.ClickException(f"{path}: not a digest ({e})")
        problems += audit_check.check_anchor(saved)
    n = audit.AuditEntry.select().count()
    if problems:
        for p in problems:
            click.echo(f"TAMPERED {p}", err=True)
        click.echo(f"audit log: {len(problems)} problem(s) in {n} entries", err=True)
        sys.exit(1)
    click.echo(f"audit log intact: {n} entries")


@audit_cmd.command("digest")
@with_app
def audit_digest():
    """Print a signed digest of the chain's head (JSON): keep it outside the database (mail it,
    print it) and pass it to 'zhurnal audit verify --anchor' later; truncating the chain or
    rewriting it from any earlier point is then found even by someone holding the key."""
    import json
    from .. import audit_check
    click.echo(json.dumps(audit_check.digest(), ensure_ascii=False))


@audit_cmd.command("list")
@click.option("--limit", default=50, show_default=True, type=int)
@click.option("--action", default=None, help="Action prefix, e.g. roster.student")
@click.option("--login", default=None)
@with_app
def audit_list(limit, action, login):
    """Print the newest entries."""
    from .. import audit
    from ..identity.models import User
    uid = None
    if login:
        u = User.get_or_none(User.login == login)
        uid = u.id if u else -1
    for e in audit.query(user_id=uid, action=action).limit(limit):
        click.echo(f"{e.id:>7} {e.at:%Y-%m-%d %H:%M:%S} {e.login or '-':<12} {e.action:<32} "
                   f"{e.object_type or ''}:{e.object_id or ''} {e.data}")
