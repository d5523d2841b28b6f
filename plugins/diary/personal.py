"""What the diary holds about a person (a subject access request under 152-FZ)."""
from __future__ import annotations

from .models import Acknowledgement, Message, Visit


def personal_data(user_id, person) -> dict | None:
    """Acknowledgements, diary visits and messages written, of an account; visits to a
    student's diary by anyone, of a student."""
    out = {}
    if user_id is not None:
        out["acknowledgements"] = [{"student_id": a.student_id, "week": a.week.isoformat(), "at": a.at.isoformat()}
                                   for a in Acknowledgement.select().where(Acknowledgement.user == user_id)
                                   .order_by(Acknowledgement.at)]
        out["visits"] = [{"student_id": v.student_id, "first_at": v.first_at.isoformat(),
                          "last_at": v.last_at.isoformat(), "count": v.count}
                         for v in Visit.select().where(Visit.user == user_id)]
        out["messages"] = [{"thread_id": m.thread_id, "at": m.created_at.isoformat(), "body": m.body}
                           for m in Message.select().where(Message.author == user_id).order_by(Message.id)]
    if person.get("kind") == "student":
        out["diary_visits"] = [{"user_id": v.user_id, "last_at": v.last_at.isoformat(), "count": v.count}
                               for v in Visit.select().where(Visit.student == person["id"])]
    return out or None
