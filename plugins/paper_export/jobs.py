"""Background jobs of paper export (``zhurnal.core.queue``)."""
from __future__ import annotations

from huey import crontab

from zhurnal.core.queue import task


@task()
def make_batch(batch_id: int):
    """Make a queued batch's PDF (progress on the batch row as each student is done)."""
    from .service import run_batch
    b = run_batch(batch_id)
    return b.id if b else None


@task(periodic=crontab(minute="15", hour="4"))
def scheduled_batches_job() -> list[int]:
    """Make the batches of the schedules that are due ("every two weeks for the paper list"), nightly."""
    from .service import run_schedules
    return run_schedules()
