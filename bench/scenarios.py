"""What the benchmark requests, built from the generator's metadata and the app's routes.

The journal's and the diary's contracts:

* ``GET /api/v1/classes/<id>/journal?subject_id=&from=&to=`` — the grid (30 students x
  one subject x one quarter) and its page under ``/journal/...``;
* ``POST /api/v1/marks`` (``student_id, lesson_id, value, kind, comment`` -> 201), then
  ``DELETE /api/v1/marks/<id>``;
* ``GET /api/v1/students/<id>/diary?week=YYYY-MM-DD`` and the page ``/diary/students/<id>?week=``.

A route that does not exist (yet) is reported as such and its scenario is skipped.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .inproc import Probe
from .load import Loop, Request, Scenario

MARK_COMMENT = "bench"


@dataclass
class Target:
    """A speed target: the server-side median and the cost relative to bare."""
    scenario: str
    server_ms: float | None
    max_ratio: float


TARGETS = [Target("grid_api", 25, 6), Target("grid_page", 25, 8), Target("mark_save", None, 2.5),
           Target("week_api", 15, 4), Target("week_page", 15, 4)]


def _rules(app) -> list:
    return list(app.url_map.iter_rules())


def has_route(app, pattern: str, method: str = "GET") -> bool:
    """Is there a route whose rule matches ``pattern`` (a regex over the rule text)?"""
    return any(re.fullmatch(pattern, r.rule) and method in r.methods for r in _rules(app))


def grid_page_rule(app):
    """The journal's grid page: a GET route under /journal/ naming a class (None while absent)."""
    cands = [r for r in _rules(app) if r.rule.startswith("/journal/") and "GET" in r.methods
             and "class_id" in r.arguments]
    cands.sort(key=lambda r: (not any(w in r.endpoint for w in ("grid", "journal.class")), len(r.arguments), r.rule))
    return cands[0] if cands else None


def grid_page_path(app, class_id: int, meta: dict) -> str | None:
    rule = grid_page_rule(app)
    if rule is None:
        return None
    args = {"class_id": class_id}
    if "subject_id" in rule.arguments:
        args["subject_id"] = meta["subject_id"]
    if "period_id" in rule.arguments:
        args["period_id"] = meta["grid_period"]["id"]
    if set(rule.arguments) - set(args):
        return None
    path = rule.rule
    for k, v in args.items():
        path = re.sub(rf"<(?:\w+:)?{k}>", str(v), path)
    # as the page links itself: the subject and the quarter
    q = {k: v for k, v in (("subject_id", meta["subject_id"]), ("period_id", meta["grid_period"]["id"]))
         if k not in args}
    return path + "?" + "&".join(f"{k}={v}" for k, v in q.items())


def grid_api_path(class_id: int, meta: dict) -> str:
    p = meta["grid_period"]
    return f"/api/v1/classes/{class_id}/journal?subject_id={meta['subject_id']}&from={p['from']}&to={p['to']}"


def week_api_path(student_id: int, meta: dict) -> str:
    return f"/api/v1/students/{student_id}/diary?week={meta['week']}"


def week_page_path(student_id: int, meta: dict) -> str:
    return f"/diary/students/{student_id}?week={meta['week']}"


def mark_body(meta: dict, i: int = 0) -> dict:
    students, lessons = meta["mark_students"], meta["mark_lessons"]
    return {"student_id": students[i % len(students)], "lesson_id": lessons[(i // len(students)) % len(lessons)],
            "value": "4", "kind": "answer", "comment": MARK_COMMENT}


def probes(app, meta: dict) -> dict[str, Probe]:
    """One request of each kind, for the big class (and the small one where size matters)."""
    out: dict[str, Probe] = {}
    teacher = meta.get("grid_teacher")
    if teacher:
        out["auth_me"] = Probe("auth_me", teacher, "GET", "/api/v1/me")
        if has_route(app, r"/api/v1/classes/<id:class_id>/journal"):
            out["grid_api"] = Probe("grid_api", teacher, "GET", grid_api_path(meta["class_big"], meta))
            out["grid_api_small"] = Probe("grid_api_small", teacher, "GET", grid_api_path(meta["class_small"], meta))
        page = grid_page_path(app, meta["class_big"], meta)
        if page:
            out["grid_page"] = Probe("grid_page", teacher, "GET", page)
            out["grid_page_small"] = Probe("grid_page_small", teacher, "GET",
                                           grid_page_path(app, meta["class_small"], meta))
        if has_route(app, r"/api/v1/marks", "POST"):
            out["mark_save"] = Probe("mark_save", teacher, "POST", "/api/v1/marks", json=mark_body(meta))
    for key, who in (("", "parent_big"), ("_small", "parent_small")):
        parent = meta.get(who)
        if not parent:
            continue
        if has_route(app, r"/api/v1/students/<id:student_id>/diary"):
            out["week_api" + key] = Probe("week_api" + key, parent["login"], "GET",
                                          week_api_path(parent["student_id"], meta))
        if has_route(app, r"/diary/students/<id:student_id>"):
            out["week_page" + key] = Probe("week_page" + key, parent["login"], "GET",
                                           week_page_path(parent["student_id"], meta))
    return out


def build(meta: dict, ok: dict[str, Probe], cookie) -> list[Scenario]:
    """The load scenarios whose probe answered; ``cookie(login)`` gives a session cookie."""
    out = [Scenario("bare_hello", "bare_hello", [Request("GET", "/bench/hello")]),
           Scenario("bare_pk", "bare_pk", [Request("GET", "/bench/pk")])]
    if "auth_me" in ok:   # the floor of any logged-in request: session, account, roles
        h = {"Cookie": cookie(ok["auth_me"].login)}
        out.append(Scenario("auth_me", "auth_me", [Request("GET", "/api/v1/me", h)]))
    if "grid_api" in ok:
        h = {"Cookie": cookie(meta["grid_teacher"])}
        out.append(Scenario("grid_api", "grid_api", [Request("GET", ok["grid_api"].path, h)]))
    if "grid_page" in ok:
        h = {"Cookie": cookie(meta["grid_teacher"])}
        out.append(Scenario("grid_page", "grid_page", [Request("GET", ok["grid_page"].path, h)]))
    if "mark_save" in ok:
        h = {"Cookie": cookie(meta["grid_teacher"]), "Content-Type": "application/json"}
        n = len(meta["mark_students"]) * len(meta["mark_lessons"])
        reqs = [Request("POST", "/api/v1/marks", h, json.dumps(mark_body(meta, i))) for i in range(n)]
        out.append(Scenario("mark_save", "mark_post", reqs,
                            Loop("/api/v1/marks/%s", {"Cookie": cookie(meta["grid_teacher"])})))
    parents = meta.get("parents", [])
    for name, path in (("week_api", week_api_path), ("week_page", week_page_path)):
        if name in ok and parents:
            reqs = [Request("GET", path(p["student_id"], meta), {"Cookie": cookie(p["login"])}) for p in parents]
            out.append(Scenario(name, name, reqs))
    return out
