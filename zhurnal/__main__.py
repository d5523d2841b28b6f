"""``python -m zhurnal`` is the ``zhurnal`` command, run from the tree this package belongs to."""
from zhurnal.core.cli import main

main()
