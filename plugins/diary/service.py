"""The diary's public API: what other plugins, the CLI and tools call.

Each concept lives in its own module, which holds its reads and its writes (every
write in one transaction with its audit entry, signals after commit):
:mod:`.acknowledgement` («Ознакомлен» and the class teacher's control),
:mod:`.messages` (conversations and announcements), :mod:`.visits` (a reader's visits
and what changed since), :mod:`.access` (who may see which pupil; refused attempts and
staff reads in the audit). The names below are the stable ones.
"""
from __future__ import annotations

from .access import Refused, guardian_record, record_denied, record_read  # noqa: F401
from .acknowledgement import acknowledge, class_week, latest_acknowledgement, record_export  # noqa: F401
from .messages import (announce, class_guardian_users, mark_read, reply, start_thread,  # noqa: F401
                       unread_counts)
from .visits import VISIT_GAP, Seen, visit  # noqa: F401
from .week import monday_of, week_facts  # noqa: F401
