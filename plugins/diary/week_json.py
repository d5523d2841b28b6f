"""The week view's JSON, built directly from what :func:`.reading.open_week` returns.

:class:`.schemas.WeekOut` documents the answer (OpenAPI) and stays its definition:
:func:`week_json` gives exactly ``WeekOut().dump(data)`` (same keys in the same order,
same values and types; ``tests/plugins/diary/test_week_json.py`` compares them on the
demo's weeks). It exists because marshmallow's nested dump of a week (days, lessons,
marks: a few thousand field calls) costs more than reading the week from the database.

:func:`.week.build_week` makes each day, lesson, mark and remark with the keys of
``DayOut``, ``LessonOut``, ``MarkOut`` and ``RemarkOut``, in their order; here they are
copied with their dates and times written as ISO 8601. A field added to one of those
schemas must be added there (the test fails until it is).
"""
from __future__ import annotations

from core.fields import iso


_iso = iso


def _mark(m: dict) -> dict:  # MarkOut
    return {**m, "weight": float(m["weight"]), "at": _iso(m["at"])}


def _lesson(x: dict) -> dict:  # LessonOut
    return {**x, "start": _iso(x["start"]), "end": _iso(x["end"]), "homework_due": _iso(x["homework_due"]),
            "marks": [_mark(m) for m in x["marks"]]}


def _day(d: dict) -> dict:  # DayOut
    return {**d, "date": d["date"].isoformat(), "lessons": [_lesson(x) for x in d["lessons"]],
            "remarks": [{**r, "date": r["date"].isoformat()} for r in d["remarks"]]}


def _student(st) -> dict:  # StudentOut
    class_id = st.school_class_id
    return {"id": st.id, "name": st.full_name, "class": st.school_class.name if class_id else None,
            "class_id": class_id}


def _news(n: dict | None) -> dict | None:  # NewsOut
    if n is None:
        return None
    return {
        "since": _iso(n["since"]), "total": n["total"],
        "marks": [{"id": m["id"], "value": m["value"], "subject": m["subject"], "date": _iso(m["date"]),
                   "kind": m["kind"], "comment": m["comment"], "changed": m["changed"]} for m in n["marks"]],
        "absences": [{"id": a["id"], "status": a["status"], "reason": a["reason"], "date": _iso(a["date"]),
                      "number": a["number"], "subject": a["subject"]} for a in n["absences"]],
        "remarks": [{"id": r["id"], "kind": r["kind"], "text": r["text"], "date": _iso(r["date"]),
                     "subject": r["subject"], "teacher": r["teacher"]} for r in n["remarks"]],
    }


def week_json(data: dict) -> dict:  # WeekOut
    return {
        "student": _student(data["student"]),
        "week": data["week"].isoformat(), "prev_week": data["prev_week"].isoformat(),
        "next_week": data["next_week"].isoformat(), "today": data["today"].isoformat(),
        "days": [_day(d) for d in data["days"]],
        "counts": dict(data["counts"]),
        "acknowledgements": [{"user_id": a["user_id"], "guardian": a["guardian"], "at": _iso(a["at"]),
                              "current": a["current"]} for a in data["acknowledgements"]],
        "can_acknowledge": data["can_acknowledge"],
        "news": _news(data["news"]),
    }
