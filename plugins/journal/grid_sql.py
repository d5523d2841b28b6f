"""The grid's marks and attendance, encoded as JSON by the database.

A quarter's grid holds a thousand marks and more. Read as Python rows, grouped and
encoded again, they were most of the cost of a grid request (about 0.13 µs per value
only to make the driver's Python objects). Here SQLite (JSON1: ``json_object`` /
``json_group_array``) or PostgreSQL (``json_build_object`` / ``json_agg``) build the two
arrays the grid API serves, and the weighted sums the averages are made of, in one
statement; the API splices the arrays into its answer as they come (:func:`response`),
and the grid page hands the same answer to the browser, which draws the cells.

The arrays are those of :meth:`zhurnal.plugins.journal.grid.Grid.to_json` (the same keys and
values, marks in the order they were given; a test compares the two): only the numbers
may be spelt differently (PostgreSQL writes a weight of ``1.0`` as ``1``).
"""
from __future__ import annotations

import orjson
from flask import current_app

from zhurnal.core import db

# The lessons and students of the grid are bound as one JSON array each (SQLite) or one
# array (PostgreSQL): one statement text whatever their number, prepared once by the driver.
# The marks are found through their lesson index (a quarter has some forty lessons, against
# 1,400 (student, lesson) pairs: ``+student_id`` keeps SQLite off the pair index; reading them
# once into a materialized CTE for both the array and the sums was slower). PostgreSQL's ``json`` comes back as
# text (``::text``): psycopg2 would otherwise decode it into Python objects; its rows are
# encoded whole (``json_agg`` of a sorted subquery's rows, their column names the keys):
# ``json_build_object`` per row took half as long again.

_SQLITE = """
SELECT
 (SELECT json_group_array(json_object('id', id, 'student_id', student_id, 'lesson_id', lesson_id, 'value', value,
                                      'kind', code, 'weight', weight, 'comment', comment, 'version', version))
  FROM (SELECT m.id, m.student_id, m.lesson_id, m.value, k.code, m.weight, m.comment, m.version
        FROM journal_mark m LEFT JOIN journal_work_kind k ON k.id = m.kind_id
        WHERE m.lesson_id IN (SELECT value FROM json_each(?1)) AND +m.student_id IN (SELECT value FROM json_each(?2))
        ORDER BY m.created_at, m.id)),
 (SELECT json_group_array(json_object('student_id', student_id, 'lesson_id', lesson_id, 'status', status,
                                      'reason', reason, 'justified_by', justified_by, 'version', version))
  FROM journal_attendance
  WHERE lesson_id IN (SELECT value FROM json_each(?1)) AND +student_id IN (SELECT value FROM json_each(?2))),
 (SELECT json_group_array(json_array(student_id, s, w))
  FROM (SELECT student_id, SUM(numeric * weight) AS s, SUM(weight) AS w FROM journal_mark
        WHERE lesson_id IN (SELECT value FROM json_each(?1)) AND +student_id IN (SELECT value FROM json_each(?2))
          AND numeric IS NOT NULL
        GROUP BY student_id))
"""

_POSTGRES = """
SELECT
 (SELECT json_agg(t)::text
  FROM (SELECT m.id, m.student_id, m.lesson_id, m.value, k.code AS kind, m.weight, m.comment, m.version
        FROM journal_mark m LEFT JOIN journal_work_kind k ON k.id = m.kind_id
        WHERE m.lesson_id = ANY(%(lessons)s) AND m.student_id = ANY(%(students)s)
        ORDER BY m.created_at, m.id) t),
 (SELECT json_agg(t)::text
  FROM (SELECT a.student_id, a.lesson_id, a.status, a.reason, a.justified_by, a.version FROM journal_attendance a
        WHERE a.lesson_id = ANY(%(lessons)s) AND a.student_id = ANY(%(students)s)) t),
 (SELECT json_agg(json_build_array(student_id, s, w))::text
  FROM (SELECT student_id, SUM(numeric * weight) AS s, SUM(weight) AS w FROM journal_mark
        WHERE lesson_id = ANY(%(lessons)s) AND student_id = ANY(%(students)s) AND numeric IS NOT NULL
        GROUP BY student_id) t)
"""


def encoded(lesson_ids: list[int], student_ids: list[int]) -> tuple[bytes, bytes, dict[int, tuple[float, float]]]:
    """The marks and the attendance of these lessons and students as JSON arrays (UTF-8),
    and each student's (sum of value x weight, sum of weights) over the marks that count
    for the average."""
    if not lesson_ids or not student_ids:
        return b"[]", b"[]", {}
    if db.is_postgres():
        row = db.database.obj.execute_sql(_POSTGRES, {"lessons": list(lesson_ids),
                                                      "students": list(student_ids)}).fetchone()
    else:
        row = db.database.obj.execute_sql(_SQLITE, (orjson.dumps(list(lesson_ids)).decode(),
                                                    orjson.dumps(list(student_ids)).decode())).fetchone()
    marks, attendance, sums = row
    sums = {sid: (s, w) for sid, s, w in orjson.loads(sums)} if sums else {}
    return (marks or "[]").encode(), (attendance or "[]").encode(), sums


def response(head: dict, marks: bytes, attendance: bytes, tail: dict):
    """The grid's JSON answer: ``head``'s keys, ``marks``, ``attendance``, then ``tail``'s,
    encoded as Flask's JSON provider encodes (orjson), the two arrays spliced in as the
    database wrote them."""
    opts = current_app.json.OPTIONS
    h, t = orjson.dumps(head, option=opts), orjson.dumps(tail, option=opts)
    body = b"".join((h[:-1], b',"marks":', marks, b',"attendance":', attendance, b"," if len(t) > 2 else b"", t[1:]))
    return current_app.response_class(body, mimetype="application/json")
