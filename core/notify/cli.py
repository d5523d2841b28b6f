"""``zhurnal notify``: deliver now, show the outbox's state, retry failed deliveries."""
from __future__ import annotations

import click


def register(main, with_app) -> None:
    @main.group()
    def notify():
        """The notification outbox: deliver, status, retry."""

    @notify.command("deliver")
    @with_app
    def deliver():
        """Deliver what is due now, in this process (what ``zhurnal worker`` does in the background)."""
        from .worker import deliver_due
        stats = deliver_due()
        click.echo(", ".join(f"{k}: {v}" for k, v in stats.items()))

    @notify.command("status")
    @with_app
    def status():
        """Count deliveries by state."""
        import peewee as pw
        from .models import Delivery, Notification
        rows = dict(Delivery.select(Delivery.status, pw.fn.COUNT(Delivery.id)).group_by(Delivery.status).tuples())
        waiting = Notification.select().where(Notification.fanned_at.is_null()).count()
        click.echo(f"new notifications: {waiting}")
        for st in ("queued", "sending", "sent", "failed", "cancelled"):
            click.echo(f"{st}: {rows.get(st, 0)}")

    @notify.command("retry")
    @click.argument("ids", nargs=-1, type=click.IntRange(1, 2**53))
    @click.option("--all", "all_", is_flag=True, help="Every failed delivery.")
    @with_app
    def retry_cmd(ids, all_):
        """Queue failed deliveries again (the given ids, or --all); the worker sends them."""
        from .models import FAILED, Delivery
        from .worker import retry
        if not ids and not all_:
            raise click.UsageError("name delivery ids or use --all")
        if ids:
            found = {i for (i,) in Delivery.select(Delivery.id).where(
                Delivery.id.in_(list(ids)) & (Delivery.status == FAILED)).tuples()}
            missing = sorted(set(ids) - found)
            if missing:
                raise click.ClickException(f"not a failed delivery: {missing[0]}")
        n = retry(list(ids) if ids else None)
        click.echo(f"queued again: {n}")
