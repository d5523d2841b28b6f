"""Zhurnal, an electronic class journal and diary for schools.

The kernel is :mod:`zhurnal.core`, the built-in plugins are the sub-packages of :mod:`zhurnal.plugins`.
In a source checkout their folders are ``core/`` and ``plugins/`` at the top of the tree, beside this
package; an installed Zhurnal has them inside it. :mod:`zhurnal._layout` finds them either way and
answers the names used before the move (``core``, ``plugins``) with the same module objects.
"""
from ._layout import install as _install

_install()
