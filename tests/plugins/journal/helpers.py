"""Well-known journal objects of the demo school, for tests and access cases."""
from __future__ import annotations

from zhurnal.plugins.journal import service
from zhurnal.plugins.journal.models import Lesson, Mark, TimetableEntry
from zhurnal.plugins.roster.models import Period, SchoolClass, Student, Subject
from zhurnal.core.identity.models import User
from tests.access import demo_ids
from tests.conftest import TODAY


def _last_lesson(**where) -> Lesson:
    q = Lesson.select().where((Lesson.date <= TODAY) & (Lesson.cancelled == False))  # noqa: E712
    for k, v in where.items():
        q = q.where(getattr(Lesson, k) == v)
    return q.order_by(Lesson.date.desc(), Lesson.number.desc()).first()


def journal_ids(app) -> dict:
    """demo_ids plus lessons, periods and a mark of the demo journal."""
    ids = demo_ids(app)
    with app.app_context():
        c5a = ids["class_5a"]
        q1, q2 = list(Period.select().order_by(Period.number))[:2]
        math = _last_lesson(school_class=c5a, subject=ids["subject_math"], group=None, period=q2.id)
        rus = _last_lesson(school_class=c5a, subject=ids["subject_russian"], group=None, period=q2.id)
        eng = _last_lesson(group=ids["group_5a_english1"], period=q2.id)
        math_q1 = _last_lesson(school_class=c5a, subject=ids["subject_math"], group=None, period=q1.id)
        mark = Mark.select().where(Mark.lesson == math.id).first() or \
            Mark.select().join(Lesson).where((Lesson.school_class == c5a) &
                                             (Lesson.subject == ids["subject_math"])).first()
        entry = TimetableEntry.select().where(TimetableEntry.school_class == c5a).first()
        ids.update({
            "period_q1": q1.id, "period_q2": q2.id,
            "lesson_math_5a": math.id, "lesson_math_5a_version": math.version,
            "lesson_rus_5a": rus.id, "lesson_eng_5a": eng.id, "lesson_math_5a_q1": math_q1.id,
            "mark_math_5a": mark.id, "entry_5a": entry.id,
            "user_klass6a": User.get(User.login == "klass6a").id,
            "subject_english": Subject.get(Subject.name == "Английский язык").id,
            "class_5b": SchoolClass.get((SchoolClass.parallel == 5) & (SchoolClass.letter == "Б")).id,
        })
    return ids


def fresh_mark(app, value: str = "4", login: str = "teacher") -> dict:
    """A new mark in today's 5А maths lesson (through the service), for write cases."""
    ids = journal_ids(app)
    with app.app_context():
        lesson = Lesson.get_by_id(ids["lesson_math_5a"])
        student = Student.get_by_id(ids["other_5a"])
        m = service.add_mark(lesson, student, value, "answer", by=User.get(User.login == login))
        return {"mark_id": m.id, "mark_version": m.version}
