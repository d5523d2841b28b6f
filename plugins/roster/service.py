"""The roster's public service API: what other plugins import, and the only way roster tables are written.

Plugins depending on ``roster`` read the school's structure through the functions here (and
:mod:`.models`); every write is audited and, after commit, announced with a signal from
:mod:`zhurnal.plugins.roster.signals`. The functions live in modules by responsibility and are re-exported here:

* :mod:`.structure` — the school, school years, reporting periods, holidays, subjects, teaching;
* :mod:`.classes` — classes and class lists;
* :mod:`.people` — students and guardians;
* :mod:`.groups` — study groups and the classes a group belongs to;
* :mod:`.accounts` — students' and guardians' accounts, login slips;
* :mod:`.import_write` — writing a checked class-list import, auditing an export.

An edit with a stale ``version`` raises :class:`StaleEdit` (:class:`zhurnal.core.errors.StaleEdit`).
"""
from __future__ import annotations

from zhurnal.core.errors import StaleEdit

from .accounts import (AccountStopped, IssuedAccount, activation_days, give_guardian_account, give_student_account,
                       issue_account)
from .classes import (class_by_name, class_students, classes, classes_led_by, create_class, parse_class_name,
                      set_class_teacher, student_counts, update_class)
from .edits import CLASS_FIELDS, GUARDIAN_FIELDS, SCHOOL_FIELDS, STUDENT_FIELDS, STUDENT_UPDATE_FIELDS
from .groups import (class_ids_of, classes_of_members, create_group, given_to_class, group_class_ids, group_in_classes,
                     group_students, groups_class_ids, groups_of_student, invalid_group_members, member_class_ids,
                     members_in_class, set_group_members, update_group)
from .import_write import GuardianPlan, StudentPlan, apply_import, record_export
from .people import (children_of, children_of_guardians, create_guardian, create_student, guardian_user_ids,
                     guardians_of, link_guardian, personal_data, record_read, student_card, student_left,
                     unlink_guardian, update_guardian, update_student)
from .structure import (PERIOD_COUNTS, add_holiday, add_subject, assign_teaching, calendar_problems, create_school,
                        create_year, current_year, holiday_dates, holiday_problems, holidays, period_for, periods,
                        remove_holiday, remove_teaching, school_teachers, set_period_closed, taught_by,
                        teachers_of_student, teaching_student, teaches, teaching_of, update_school)

__all__ = [
    "StaleEdit",
    # the school's structure
    "current_year", "periods", "period_for", "set_period_closed", "holidays", "holiday_dates", "PERIOD_COUNTS",
    "calendar_problems", "holiday_problems", "create_school", "update_school", "create_year", "add_holiday",
    "remove_holiday", "add_subject", "assign_teaching", "remove_teaching", "teaching_of", "teaches",
    "teachers_of_student", "teaching_student", "taught_by", "school_teachers",
    # classes
    "classes", "class_students", "classes_led_by", "student_counts", "parse_class_name", "class_by_name",
    "create_class", "set_class_teacher", "update_class",
    # students and guardians
    "children_of", "guardians_of", "guardian_user_ids", "student_card", "children_of_guardians", "personal_data",
    "create_student", "update_student", "student_left", "create_guardian", "update_guardian", "link_guardian",
    "unlink_guardian", "record_read",
    # study groups
    "group_students", "group_class_ids", "groups_class_ids", "member_class_ids", "class_ids_of", "group_in_classes",
    "given_to_class", "members_in_class", "groups_of_student", "classes_of_members",
    "invalid_group_members", "create_group", "update_group", "set_group_members",
    # accounts
    "AccountStopped", "IssuedAccount", "activation_days", "give_guardian_account", "give_student_account",
    "issue_account",
    # import and export
    "GuardianPlan", "StudentPlan", "apply_import", "record_export",
    # what an edit may change
    "STUDENT_FIELDS", "STUDENT_UPDATE_FIELDS", "GUARDIAN_FIELDS", "SCHOOL_FIELDS", "CLASS_FIELDS",
]
