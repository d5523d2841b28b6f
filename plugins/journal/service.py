"""The journal's public service API: the one module other plugins import (with ``models``
and ``signals``), and the only way anything writes journal tables.

Plugins that declare ``depends = (..., "journal")`` (diary, analytics, paper export) read
the journal through the *read* functions below and the models; they never write. The
journal's own pages, API, CLI and demo call the writes. Every write runs in one
transaction with its :func:`zhurnal.core.audit.record` entry and
:class:`~zhurnal.plugins.journal.models.History` rows, and announces itself after commit with a
signal from :mod:`zhurnal.plugins.journal.signals` (``mark_saved``, ``attendance_saved``, ``homework_set``,
``lesson_changed``).

The code lives in the plugin's private modules, one per responsibility; this module
only re-exports their public names (``__all__``, listed in the plugin's README):

* :mod:`.reading` — lessons, marks, attendance, remarks, averages, control works, term
  marks, history, personal data (read conventions in its docstring);
* :mod:`.pupil_lessons` — which lessons concern a student;
* :mod:`.scales` — marking scales and kinds of work;
* :mod:`.marks`, :mod:`.attendance`, :mod:`.lessons`, :mod:`.timetable`,
  :mod:`.term_marks`, :mod:`.remarks` — the writes (and the timetable's reads);
* :mod:`.closed_periods` — closing and reopening a period, the check every write makes;
* :mod:`.common` — what they share (``Invalid``, ``StaleEdit``, history rows).
"""
from __future__ import annotations

from .attendance import certificate_tag, excuse_absences, justify_absences, set_attendance, unjustify_absences
from .closed_periods import CLOSED_MESSAGE, close_period, lesson_period, reopen_period
from .common import Invalid, StaleEdit, class_of
from .lessons import attendance_taken, create_lesson, individual_group, update_lesson
from .marks import MarkContext, add_mark, delete_mark, mark_context, mark_target, update_mark
from .pupil_lessons import pupil_condition, pupil_conditions, student_group_ids, student_lessons
from .reading import (attendance_for, averages, averages_by_subject, control_works, history_for, homework_links,
                      lesson_students, lessons_for, lessons_of_teacher, marks_for, personal_data, remarks_for,
                      term_marks_for)
from .remarks import add_remark
from .scales import (DEFAULT_SCALES, DEFAULT_WORK_KINDS, Scale, ensure_defaults, scale_for, scales, set_scale,
                     set_subject_scale, set_work_kind, work_kinds)
from .term_marks import set_term_mark
from .timetable import (add_timetable_entry, bells, delete_timetable_entry, generate_lessons, plan_lessons,
                        remove_timetable_change, set_bells, set_timetable_change, timetable_changes,
                        timetable_for_class, timetable_for_student)

#: the public API, exactly as the README lists it (tests/plugins/journal/test_public_api.py)
__all__ = [
    # reading
    "lessons_for", "student_lessons", "pupil_conditions", "pupil_condition", "student_group_ids", "marks_for", "attendance_for", "remarks_for",
    "averages", "averages_by_subject", "control_works", "timetable_for_class", "timetable_for_student", "bells",
    "timetable_changes", "term_marks_for", "scale_for", "history_for", "class_of", "lessons_of_teacher",
    "lesson_students", "homework_links", "lesson_period", "personal_data",
    # scales and kinds of work
    "Scale", "DEFAULT_SCALES", "DEFAULT_WORK_KINDS", "scales", "work_kinds", "ensure_defaults", "set_scale",
    "set_subject_scale", "set_work_kind",
    # refusals
    "Invalid", "StaleEdit", "CLOSED_MESSAGE",
    # marks
    "MarkContext", "mark_target", "mark_context", "add_mark", "update_mark", "delete_mark",
    # attendance
    "set_attendance", "justify_absences", "unjustify_absences", "excuse_absences", "certificate_tag",
    # lessons
    "individual_group", "create_lesson", "update_lesson", "attendance_taken",
    # timetable
    "set_bells", "add_timetable_entry", "delete_timetable_entry", "set_timetable_change", "remove_timetable_change",
    "plan_lessons", "generate_lessons",
    # term marks and remarks
    "set_term_mark", "add_remark",
    # closing periods
    "close_period", "reopen_period",
]
