"""Accounts from the command line: ``zhurnal users create|list|lock|unlock|reset-password``."""
from __future__ import annotations

import click

from . import _the_school, main, with_app


@main.group()
def users():
    """Create, list, lock and unlock accounts; reset passwords."""


def _user_or_fail(login):
    from ..identity.service import find_by_login
    user = find_by_login(login)
    if user is None:
        raise click.ClickException(f"no account with login {login!r}")
    return user


@users.command("create")
@click.argument("login")
@click.argument("display_name")
@click.option("--role", type=click.Choice(["admin", "director", "deputy", "teacher", "nurse", "support"]), required=True)
@click.option("--school", "school_id", type=int, default=None, help="School id (default: the only school).")
@click.option("--password", default=None, help="Set this password (default: issue one that must be changed).")
@with_app
def users_create(login, display_name, role, school_id, password):
    """Create a staff account; prints the issued password."""
    from .. import access, db
    from ..identity import service
    school = None
    if role not in ("admin", "support"):
        school = _the_school(school_id)
    if password is not None:
        from ..identity.passwords import weakness
        problem = weakness(password, login, display_name)
        if problem:
            raise click.ClickException(problem)
    with db.database.atomic():
        try:
            user, pw = service.create_user(login, display_name, school=school, password=password)
        except ValueError as e:
            raise click.ClickException(str(e))
        if role in ("admin", "support"):
            access.grant(user, role, scope_type="deployment", scope_id=None)
        else:
            access.grant(user, role, school=school)
    click.echo(f"created {user.login} ({role}); password: {pw}" + ("" if password else " (must be changed at first login)"))


@users.command("list")
@with_app
def users_list():
    """List accounts."""
    from .. import access
    from ..identity.models import User
    for u in User.select().order_by(User.login):
        state = "active" if u.is_active else f"stopped:{u.blocked_reason}"
        click.echo(f"{u.id:>5} {u.login:<20} {state:<20} {','.join(sorted(access.roles(u)))}")


@users.command("lock")
@click.argument("login")
@with_app
def users_lock(login):
    """Stop an account and end its sessions and tokens now."""
    from ..identity import service
    service.lock(_user_or_fail(login), reason="admin")
    click.echo(f"{login}: locked")


@users.command("unlock")
@click.argument("login")
@with_app
def users_unlock(login):
    """Allow a stopped or locked account to log in again."""
    from ..identity import service
    service.unlock(_user_or_fail(login))
    click.echo(f"{login}: unlocked")


@users.command("reset-password")
@click.argument("login")
@with_app
def users_reset(login):
    """Issue a new password that must be changed at first login."""
    from ..identity import service
    pw = service.reset_password(_user_or_fail(login))
    click.echo(f"{login}: new password {pw} (must be changed at first login)")
