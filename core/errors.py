"""Refusals a service raises and every web layer answers alike. No Flask here: services raise
these, :mod:`zhurnal.core.api` turns them into responses in one place."""
from __future__ import annotations


class StaleEdit(Exception):
    """The record changed since the editor loaded it: the ``version`` sent is not the current one.

    ``current`` is the record as it is now (``None``: deleted meanwhile). An API endpoint answers
    409 ``conflict`` with the current state in ``error.current``, dumped the way its blueprint
    says (:func:`zhurnal.core.api.stale_state`); a page shows the current data beside the user's input.
    """

    def __init__(self, current=None) -> None:
        super().__init__("stale edit")
        self.current = current
