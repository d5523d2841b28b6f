"""Schemathesis over the API's own OpenAPI document, per role, against the demo school.

For anonymous, parent2, teacher and admin (Bearer tokens) every operation is fed
generated requests, valid and invalid (``ZHURNAL_FUZZ_EXAMPLES`` each, default 6, so
the four roles take a few minutes together), and every answer must

* not be a 5xx;
* conform to the document (status, content type, body schema: date-times with an
  offset, nullable fields declared nullable, 204 documented);
* for parent2, name no student but parent2's own child.

Operations that would end the run's own credentials (logout, password, compromise,
accounts issued, token revocation) are left out.
"""
from __future__ import annotations

import os
from collections import Counter

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from schemathesis.checks import CheckContext  # noqa: E402
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,  # noqa: E402
                                              status_code_conformance)

EXAMPLES = int(os.environ.get("ZHURNAL_FUZZ_EXAMPLES", "6"))
EXCLUDE = r"logout|password|compromis|/account|/me/tokens/\{|/sessions|/totp"
ROLES = ("anonymous", "parent2", "teacher", "admin")


def _token(app, login_name: str) -> str:
    from tests.conftest import login
    client = login(app, login_name)
    r = client.post("/api/v1/me/tokens", json={"name": "fuzz"})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()["token"]


def _ids_named(obj, what: str, under: str = "") -> set[int]:
    """Ids of ``what`` ("student", "guardian") an answer names: ``<what>_id`` anywhere, ``id`` of
    such an object (under a key ``<what>``, ``<what>s``; children are students)."""
    keys = {what, what + "s"} | ({"children", "child"} if what == "student" else set())
    found: set[int] = set()
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == f"{what}_id" and isinstance(v, int):
                found.add(v)
            elif k == "id" and under in keys and isinstance(v, int):
                found.add(v)
            elif isinstance(v, (dict, list)):
                found |= _ids_named(v, what, k)
    elif isinstance(obj, list):
        for x in obj:
            found |= _ids_named(x, what, under)
    return found


def _family(app, login_name: str) -> tuple[set[int], set[int]]:
    """The user's children and their guardians (the user among them)."""
    from zhurnal.core.identity.models import User
    from zhurnal.plugins.roster.models import Guardian, Student, StudentGuardian
    with app.app_context():
        uid = User.get(User.login == login_name).id
        children = {s.id for s in Student.select().join(StudentGuardian).join(Guardian).where(Guardian.user == uid)}
        guardians = {sg.guardian_id for sg in StudentGuardian.select().where(StudentGuardian.student.in_(children))}
    return children, guardians


def _known_ids(app) -> dict[str, list[int]]:
    """Ids of real demo objects by path parameter name (random ids would nearly all be 404)."""
    from zhurnal.core.identity.models import School, User
    from zhurnal.plugins.diary.models import Thread
    from zhurnal.plugins.health_sheet.models import MedicalCertificate
    from zhurnal.plugins.journal.models import Lesson, Mark, TimetableChange, TimetableEntry
    from zhurnal.plugins.roster.models import (AcademicYear, Guardian, Holiday, Period, SchoolClass, Student, StudyGroup,
                                       Subject, TeachingAssignment)
    models = {"certificate_id": MedicalCertificate, "change_id": TimetableChange, "class_id": SchoolClass,
              "entry_id": TimetableEntry, "group_id": StudyGroup, "guardian_id": Guardian, "holiday_id": Holiday,
              "lesson_id": Lesson, "mark_id": Mark, "period_id": Period, "school_id": School, "student_id": Student,
              "subject_id": Subject, "ta_id": TeachingAssignment, "thread_id": Thread, "user_id": User,
              "year_id": AcademicYear}
    with app.app_context():
        return {name: [r[0] for r in m.select(m.id).order_by(m.id).limit(300).tuples()] for name, m in models.items()}


def _real_ids(case, known: dict[str, list[int]]) -> None:
    # three times in four a generated id becomes a real object's (valid or not for the role)
    for name, value in list((case.path_parameters or {}).items()):
        ids = known.get(name)
        if ids and isinstance(value, int) and value % 4:
            case.path_parameters[name] = ids[value % len(ids)]


def test_fuzz_api_per_role(demo_app):
    from schemathesis import GenerationMode
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", demo_app)
    schema = schema.exclude(path_regex=EXCLUDE)
    children, guardians = _family(demo_app, "parent2")
    known = _known_ids(demo_app)
    stats: Counter = Counter()
    failures: dict[str, str] = {}
    checks = [response_schema_conformance, content_type_conformance, status_code_conformance]
    for role in ROLES:
        headers = {} if role == "anonymous" else {"Authorization": f"Bearer {_token(demo_app, role)}"}
        for result in schema.get_all_operations():
            op = result.ok()
            stats["operations"] += role == ROLES[0]
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                @given(case=op.as_strategy(generation_mode=mode))
                @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                          phases=[Phase.explicit, Phase.generate],
                          suppress_health_check=list(HealthCheck))
                def run(case):
                    _real_ids(case, known)
                    key = f"{role} {op.label}"
                    try:
                        response = case.call(headers=headers)
                    except Exception as e:  # noqa: BLE001 - the app raised (testing mode propagates): a 500
                        stats["requests"] += 1
                        stats["5xx"] += 1
                        failures.setdefault(key, f"500: {type(e).__name__}: {e}"[:300])
                        return
                    stats["requests"] += 1
                    stats[f"{role} {response.status_code}"] += 1
                    if response.status_code >= 500:
                        stats["5xx"] += 1
                        failures.setdefault(key, f"{response.status_code}: {response.text[:300]}")
                        return
                    if mode is GenerationMode.POSITIVE or response.status_code < 400:
                        try:
                            case.validate_response(response, checks=checks, headers=headers)
                        except (Exception, BaseExceptionGroup) as e:  # noqa: BLE001 - collected and reported together below
                            failures.setdefault(key, str(e)[:600])
                    if role == "parent2" and response.status_code < 300 and response.content:
                        body = response.json()
                        others = _ids_named(body, "student") - children
                        strangers = _ids_named(body, "guardian") - guardians
                        stats["parent2 answers about their child"] += bool(_ids_named(body, "student") & children)
                        if others or strangers:
                            failures.setdefault(key, f"names students {sorted(others)} or guardians "
                                                     f"{sorted(strangers)} of another family")
                run()
    print(f"\nschemathesis: {stats['operations']} operations, {stats['requests']} requests, "
          f"{stats['5xx']} answers 5xx, {len(failures)} failing operation/role pairs")
    print(sorted((k, v) for k, v in stats.items()))
    assert stats["operations"] > 60
    assert stats["parent2 answers about their child"] >= 5   # the family check has something to look at
    assert not failures, "\n\n".join(f"{k}: {v}" for k, v in sorted(failures.items()))
