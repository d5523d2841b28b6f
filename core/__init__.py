"""Zhurnal kernel: identity, roles, audit, plugins, API and web shell.

The kernel knows nothing about school subject matter; everything a school does
is contributed by plugins through the hooks in :mod:`zhurnal.core.hookspecs` and the
signals in :mod:`zhurnal.core.signals`.
"""

__version__ = "0.1.0"

if __name__ != "zhurnal.core":  # a checkout on sys.path imported by the old name: hand out the one real package
    import zhurnal._layout
    zhurnal._layout.adopt(__name__)
