"""Diary tables: acknowledgements, last visits and messages.

The diary copies nothing from the journal: marks, lessons and remarks are read
from :mod:`zhurnal.plugins.journal` every time. What the diary owns is what only it
knows: who acknowledged which week (immutable rows), when each reader last
opened a child's diary, and the conversations between school and families.
"""
from __future__ import annotations

import peewee as pw

from zhurnal.core.db import BaseModel, utcnow
from zhurnal.core.identity.models import School, User
from zhurnal.plugins.roster.models import Guardian, SchoolClass, Student


class Acknowledgement(BaseModel):
    """A guardian confirmed they read a week of a child's diary («Ознакомлен»).

    Rows are never updated or deleted: a later acknowledgement of the same week
    (after newer data appeared) is a new row. ``fingerprint`` identifies the
    week's data as it was when acknowledged, so newer data can be told apart.
    """
    school = pw.ForeignKeyField(School, on_delete="CASCADE")
    student = pw.ForeignKeyField(Student, on_delete="CASCADE")
    #: the guardian record (kept even if the account is later unlinked)
    guardian = pw.ForeignKeyField(Guardian, null=True, on_delete="SET NULL")
    user = pw.ForeignKeyField(User, on_delete="CASCADE")
    #: Monday of the acknowledged week
    week = pw.DateField()
    at = pw.DateTimeField(default=utcnow)
    fingerprint = pw.CharField(max_length=40)
    #: how many marks, absences and remarks the week held when acknowledged (for the record)
    marks = pw.IntegerField(default=0)
    absences = pw.IntegerField(default=0)
    remarks = pw.IntegerField(default=0)

    class Meta:
        table_name = "diary_acknowledgement"
        indexes = ((("student", "week"), False), (("user", "week"), False))

    def save(self, force_insert=False, only=None):
        """Insert only: a stored acknowledgement is evidence and is never rewritten."""
        if not force_insert and self._pk is not None:
            raise TypeError("an acknowledgement is never changed; record a new one")
        return super().save(force_insert=force_insert, only=only)

    def delete_instance(self, recursive=False, delete_nullable=False):
        raise TypeError("an acknowledgement is never deleted")


class Visit(BaseModel):
    """When ``user`` last opened the diary of ``student``.

    ``previous_at`` is the start of the visit before the current one: "what
    changed since you last looked" compares against it, so reloading the page
    within one visit keeps showing the same news.
    """
    school = pw.ForeignKeyField(School, on_delete="CASCADE")
    user = pw.ForeignKeyField(User, on_delete="CASCADE")
    student = pw.ForeignKeyField(Student, on_delete="CASCADE")
    first_at = pw.DateTimeField(default=utcnow)
    last_at = pw.DateTimeField(default=utcnow)
    previous_at = pw.DateTimeField(null=True)
    count = pw.IntegerField(default=1)

    class Meta:
        table_name = "diary_visit"
        indexes = ((("user", "student"), True), (("student",), False))



class Thread(BaseModel):
    """A conversation about one student (``direct``) or a class announcement."""
    school = pw.ForeignKeyField(School, on_delete="CASCADE")
    kind = pw.CharField(max_length=16, default="direct")
    subject = pw.CharField(max_length=200)
    student = pw.ForeignKeyField(Student, null=True, on_delete="CASCADE")
    school_class = pw.ForeignKeyField(SchoolClass, null=True, on_delete="CASCADE")
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)
    last_message_at = pw.DateTimeField(default=utcnow, index=True)

    class Meta:
        table_name = "diary_thread"


class ThreadMember(BaseModel):
    """A participant of a thread; ``last_read_id`` is the last message they have seen."""
    thread = pw.ForeignKeyField(Thread, backref="members", on_delete="CASCADE")
    user = pw.ForeignKeyField(User, on_delete="CASCADE")
    #: "staff" or "guardian": guardians never post to announcements
    side = pw.CharField(max_length=16)
    last_read_id = pw.IntegerField(default=0)

    class Meta:
        table_name = "diary_thread_member"
        indexes = ((("thread", "user"), True), (("user",), False))


class Message(BaseModel):
    thread = pw.ForeignKeyField(Thread, backref="messages", on_delete="CASCADE")
    author = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    body = pw.TextField()
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "diary_message"
        indexes = ((("thread", "id"), False),)


MODELS = [Acknowledgement, Visit, Thread, ThreadMember, Message]
