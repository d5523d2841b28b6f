"""Zhurnal kernel: identity, roles, audit, plugins, API and web shell.

The kernel knows nothing about school subject matter; everything a school does
is contributed by plugins through the hooks in :mod:`core.hookspecs` and the
signals in :mod:`core.signals`.
"""

__version__ = "0.1.0"
