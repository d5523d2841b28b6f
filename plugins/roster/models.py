"""Roster tables: the school's structure and its people.

Public: other plugins that declare ``depends = ("roster",)`` may import these
models and :mod:`zhurnal.plugins.roster.service`, nothing else of this package.
"""
from __future__ import annotations

import datetime as dt

import peewee as pw

from zhurnal.core.db import BaseModel, IdNeverReused, utcnow
from zhurnal.core.identity.models import School, User

PERIOD_KINDS = ("quarters", "trimesters", "halves")


class AcademicYear(BaseModel):
    school = pw.ForeignKeyField(School, backref="years", on_delete="CASCADE")
    name = pw.CharField(max_length=20)  # "2026/2027"
    start = pw.DateField()
    end = pw.DateField()
    period_kind = pw.CharField(max_length=16, default="quarters")

    class Meta:
        table_name = "roster_year"
        indexes = ((("school", "name"), True),)

    def __str__(self) -> str:
        return self.name


class Period(BaseModel):
    """A reporting period (quarter, trimester, half-year) of a school year."""
    year = pw.ForeignKeyField(AcademicYear, backref="periods", on_delete="CASCADE")
    number = pw.SmallIntegerField()
    name = pw.CharField(max_length=40)  # "1 четверть"
    start = pw.DateField()
    end = pw.DateField()
    #: when the administration closed it for editing (the journal refuses changes after)
    closed_at = pw.DateTimeField(null=True)
    closed_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")

    class Meta:
        table_name = "roster_period"
        indexes = ((("year", "number"), True),)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


class Holiday(BaseModel):
    year = pw.ForeignKeyField(AcademicYear, backref="holidays", on_delete="CASCADE")
    name = pw.CharField(max_length=100)
    start = pw.DateField()
    end = pw.DateField()

    class Meta:
        table_name = "roster_holiday"


class Subject(BaseModel):
    school = pw.ForeignKeyField(School, backref="subjects", on_delete="CASCADE")
    name = pw.CharField(max_length=100)
    short_name = pw.CharField(max_length=30, default="")

    class Meta:
        table_name = "roster_subject"
        indexes = ((("school", "name"), True),)

    def __str__(self) -> str:
        return self.name


class SchoolClass(BaseModel):
    """A class of one school year: parallel (grade 1-11) and letter, e.g. 5А."""
    id = IdNeverReused()
    school = pw.ForeignKeyField(School, backref="classes", on_delete="CASCADE")
    year = pw.ForeignKeyField(AcademicYear, backref="classes", on_delete="CASCADE")
    parallel = pw.SmallIntegerField()
    letter = pw.CharField(max_length=4)
    class_teacher = pw.ForeignKeyField(User, null=True, backref="led_classes", on_delete="SET NULL")
    room = pw.CharField(max_length=20, default="")
    #: optimistic lock (schema 2): bumped on every change; a stale edit is refused
    version = pw.IntegerField(default=1)

    class Meta:
        table_name = "roster_class"
        indexes = ((("year", "parallel", "letter"), True),)

    @property
    def name(self) -> str:
        return f"{self.parallel}{self.letter}"

    def __str__(self) -> str:
        return self.name


GENDERS = ("m", "f")


class Student(BaseModel):
    id = IdNeverReused()
    school = pw.ForeignKeyField(School, backref="students", on_delete="CASCADE")
    school_class = pw.ForeignKeyField(SchoolClass, null=True, backref="students", on_delete="SET NULL",
                                      column_name="class_id", object_id_name="school_class_id")
    last_name = pw.CharField(max_length=100)
    first_name = pw.CharField(max_length=100)
    middle_name = pw.CharField(max_length=100, default="")
    birth_date = pw.DateField(null=True)
    gender = pw.CharField(max_length=1, null=True)
    address = pw.CharField(max_length=300, default="")
    phone = pw.CharField(max_length=32, default="")
    email = pw.CharField(max_length=200, default="")
    #: СНИЛС (schema 3), normalised ``XXX-XXX-XXX YY``; personal data
    snils = pw.CharField(max_length=14, default="")
    #: a student on an individual study plan (e.g. home schooling) has their own subjects
    individual_plan = pw.BooleanField(default=False)
    user = pw.ForeignKeyField(User, null=True, unique=True, backref="student_record", on_delete="SET NULL")
    left_at = pw.DateField(null=True)
    #: optimistic lock: bumped on every change; a stale edit is refused
    version = pw.IntegerField(default=1)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "roster_student"
        indexes = ((("school", "last_name", "first_name"), False),)

    @property
    def full_name(self) -> str:
        return " ".join(x for x in (self.last_name, self.first_name, self.middle_name) if x)

    @property
    def short_name(self) -> str:
        return f"{self.last_name} {self.first_name}"


class Guardian(BaseModel):
    """A parent or legal guardian; may have children in several classes."""
    id = IdNeverReused()
    school = pw.ForeignKeyField(School, backref="guardians", on_delete="CASCADE")
    last_name = pw.CharField(max_length=100)
    first_name = pw.CharField(max_length=100)
    middle_name = pw.CharField(max_length=100, default="")
    phone = pw.CharField(max_length=32, default="")
    email = pw.CharField(max_length=200, default="")
    user = pw.ForeignKeyField(User, null=True, unique=True, backref="guardian_record", on_delete="SET NULL")
    version = pw.IntegerField(default=1)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "roster_guardian"

    @property
    def full_name(self) -> str:
        return " ".join(x for x in (self.last_name, self.first_name, self.middle_name) if x)


RELATIONS = ("mother", "father", "guardian", "other")


class StudentGuardian(BaseModel):
    student = pw.ForeignKeyField(Student, backref="guardian_links", on_delete="CASCADE")
    guardian = pw.ForeignKeyField(Guardian, backref="student_links", on_delete="CASCADE")
    relation = pw.CharField(max_length=16, default="guardian")

    class Meta:
        table_name = "roster_student_guardian"
        indexes = ((("student", "guardian"), True),)


GROUP_KINDS = ("split", "stream", "individual")


class StudyGroup(BaseModel):
    """A set of students taught together in a subject.

    * ``split``: part of one class (English group 1 / 2, boys / girls in technology);
    * ``stream``: students of several classes of one parallel (an elective);
    * ``individual``: one student on an individual plan.
    """
    id = IdNeverReused()
    school = pw.ForeignKeyField(School, backref="groups", on_delete="CASCADE")
    year = pw.ForeignKeyField(AcademicYear, backref="groups", on_delete="CASCADE")
    name = pw.CharField(max_length=100)
    kind = pw.CharField(max_length=12, default="split")
    subject = pw.ForeignKeyField(Subject, null=True, on_delete="SET NULL")
    #: the class a split belongs to (None for a stream)
    school_class = pw.ForeignKeyField(SchoolClass, null=True, backref="groups", on_delete="CASCADE",
                                      column_name="class_id", object_id_name="school_class_id")
    parallel = pw.SmallIntegerField(null=True)
    #: optimistic lock (schema 2): bumped on every change of name, subject or members
    version = pw.IntegerField(default=1)

    class Meta:
        table_name = "roster_group"


class GroupMember(BaseModel):
    group = pw.ForeignKeyField(StudyGroup, backref="members", on_delete="CASCADE")
    student = pw.ForeignKeyField(Student, backref="group_memberships", on_delete="CASCADE")

    class Meta:
        table_name = "roster_group_member"
        indexes = ((("group", "student"), True),)


class TeachingAssignment(BaseModel):
    """``teacher`` teaches ``subject`` to a class or to a study group."""
    school = pw.ForeignKeyField(School, on_delete="CASCADE")
    year = pw.ForeignKeyField(AcademicYear, on_delete="CASCADE")
    teacher = pw.ForeignKeyField(User, backref="teaching", on_delete="CASCADE")
    subject = pw.ForeignKeyField(Subject, on_delete="CASCADE")
    school_class = pw.ForeignKeyField(SchoolClass, null=True, on_delete="CASCADE", column_name="class_id",
                                      object_id_name="school_class_id")
    group = pw.ForeignKeyField(StudyGroup, null=True, on_delete="CASCADE")

    class Meta:
        table_name = "roster_teaching"
        indexes = ((("teacher", "subject", "school_class", "group"), True),)


class SchoolProfile(BaseModel):
    """What the roster knows of a school beyond the kernel's name (schema 3): address, time zone."""
    school = pw.ForeignKeyField(School, unique=True, backref="profile", on_delete="CASCADE")
    address = pw.CharField(max_length=300, default="")
    timezone = pw.CharField(max_length=64, default="")

    class Meta:
        table_name = "roster_school_profile"


class ImportMapping(BaseModel):
    """A caption of a class-list file that a user of the school mapped to a column (schema 3);
    the next file with that caption is read the same way."""
    school = pw.ForeignKeyField(School, on_delete="CASCADE")
    caption = pw.CharField(max_length=200)  # as core.tabular.normalize_header gives it
    key = pw.CharField(max_length=32)  # a column key of the importer, or "" for "do not import"

    class Meta:
        table_name = "roster_import_mapping"
        indexes = ((("school", "caption"), True),)


def upgrade_to_3(migrator) -> None:
    """Schema 3: students get ``snils``; the school profile and saved import mappings are new
    tables (created by ``zhurnal init`` as any new table)."""
    migrator.database.execute_sql('ALTER TABLE "roster_student" ADD COLUMN "snils" VARCHAR(14) NOT NULL DEFAULT \'\'')


def upgrade_to_2(migrator) -> None:
    """Schema 2: classes and study groups get an optimistic-lock ``version``.

    Plain ``ADD COLUMN ... NOT NULL DEFAULT`` on purpose: peewee's SQLite migrator makes a
    column NOT NULL by copying the table, and dropping the old ``roster_class`` would
    cascade to groups and students (foreign keys are on).
    """
    for table in ("roster_class", "roster_group"):
        migrator.database.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "version" INTEGER NOT NULL DEFAULT 1')


def contacts_to_guardians() -> int:
    """Schema 3: a guardian's e-mail and phone have one home, the Guardian record.

    Accounts linked to a guardian had their own ``User.email``/``User.phone``
    (copied when the account was issued, or set by an administrator): a value the
    Guardian record lacks is moved there, and the account's copies are cleared, so
    the notification pipeline (which asks the roster, ``zhurnal_contact_address``)
    and the class teacher see one address. Staff keep theirs on the account.
    :returns: how many guardian records got a contact from their account.
    """
    moved = 0
    rows = (Guardian.select(Guardian.id, Guardian.email, Guardian.phone, User.id, User.email, User.phone)
            .join(User, on=(Guardian.user == User.id)).tuples())
    for gid, g_email, g_phone, uid, u_email, u_phone in list(rows):
        changes = {}
        if not (g_email or "").strip() and (u_email or "").strip():
            changes["email"] = u_email.strip()[:200]
        if not (g_phone or "").strip() and (u_phone or "").strip():
            changes["phone"] = u_phone.strip()[:32]
        if changes:
            Guardian.update(**changes).where(Guardian.id == gid).execute()
            moved += 1
        if u_email is not None or u_phone is not None:
            User.update(email=None, phone=None).where(User.id == uid).execute()
    return moved


MODELS = [AcademicYear, Period, Holiday, Subject, SchoolClass, Student, Guardian, StudentGuardian,
          StudyGroup, GroupMember, TeachingAssignment, SchoolProfile, ImportMapping]
