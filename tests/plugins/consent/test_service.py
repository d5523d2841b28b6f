"""The registry's rules: append-only history, status transitions, dates, per-child records,
the signal after commit, the audit, the paper list, the hook answers and text versions."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import TODAY

from .conftest import register

D = dt.date


def _records(app, **where):
    from zhurnal.plugins.consent.models import ConsentRecord
    with app.app_context():
        q = ConsentRecord.select().order_by(ConsentRecord.id)
        for k, v in where.items():
            q = q.where(getattr(ConsentRecord, k) == v)
        return [(r.id, r.guardian_id, r.student_id, r.status, r.date, r.document_number, r.text_id,
                 r.registered_by_id, r.registered_at) for r in q]


def _status(app, gid, sid):
    from zhurnal.plugins.consent import service
    with app.app_context():
        return service.current_status(gid, sid)


def test_a_withdrawal_is_a_new_record_and_nothing_before_it_changes(demo_app, cids):
    gid, sid = cids["guardian_parent2"], cids["parent2_child"]
    before = _records(demo_app)
    assert _status(demo_app, gid, sid) == "granted"
    register(demo_app, gid, "withdrawn", TODAY, "З-7")
    after = _records(demo_app)
    assert after[:len(before)] == before  # every earlier row exactly as it was
    new = after[len(before):]
    assert [(r[1], r[2], r[3], r[4], r[5]) for r in new] == [(gid, sid, "withdrawn", TODAY, "З-7")]
    assert _status(demo_app, gid, sid) == "withdrawn"
    register(demo_app, gid, "granted", TODAY, "С-8")
    assert _status(demo_app, gid, sid) == "granted"
    statuses = [r[3] for r in _records(demo_app, guardian=gid)]
    assert statuses == ["granted", "withdrawn", "granted"]


def test_the_model_refuses_updates_and_deletions(demo_app, cids):
    from zhurnal.plugins.consent.models import ConsentRecord, ImmutableRecord
    before = _records(demo_app)
    with demo_app.app_context():
        rec = ConsentRecord.select().first()
        rec.status = "refused"
        with pytest.raises(ImmutableRecord):
            rec.save()
        with pytest.raises(ImmutableRecord):
            rec.delete_instance()
        with pytest.raises(ImmutableRecord):
            ConsentRecord.update(status="refused").execute()
        with pytest.raises(ImmutableRecord):
            ConsentRecord.delete().execute()
    assert _records(demo_app) == before


def test_the_database_refuses_an_update_by_raw_sql(demo_app):
    import peewee as pw
    from zhurnal.core.db import database
    before = _records(demo_app)
    with demo_app.app_context():
        with pytest.raises((pw.IntegrityError, pw.InternalError, pw.DatabaseError)) as e:
            with database.atomic():
                database.execute_sql("UPDATE consent_record SET status = 'refused'")
        assert "append-only" in str(e.value)
    assert _records(demo_app) == before


@pytest.mark.parametrize("current,status,ok", [
    ("none", "granted", True), ("none", "refused", True), ("none", "withdrawn", False),
    ("refused", "withdrawn", False), ("refused", "granted", True), ("granted", "withdrawn", True),
    ("granted", "refused", True), ("granted", "granted", True)])
def test_status_transitions(demo_app, cids, current, status, ok):
    from zhurnal.plugins.consent import service
    gid = {"none": cids["guardian_none"], "refused": cids["guardian_refused"],
           "granted": cids["guardian_parent2"]}[current]
    with demo_app.app_context():
        sid = service.children_of(gid)[0].id
    assert _status(demo_app, gid, sid) == current
    n = len(_records(demo_app))
    if ok:
        register(demo_app, gid, status, TODAY)
        assert _status(demo_app, gid, sid) == status
    else:
        with pytest.raises(service.Refused) as e:
            register(demo_app, gid, status, TODAY)
        assert (e.value.status, e.value.field) == (409, "status")
        assert len(_records(demo_app)) == n


@pytest.mark.parametrize("day,field", [
    (TODAY + dt.timedelta(days=1), "date"), (D(9999, 12, 31), "date"), (D(1, 1, 1), "date"),
    (D(2006, 7, 26), "date"), (D(2026, 9, 1), "date")])  # the last: before parent2's standing paper
def test_bad_dates_are_refused_and_change_nothing(demo_app, cids, day, field):
    from zhurnal.plugins.consent import service
    n = len(_records(demo_app))
    with pytest.raises(service.Refused) as e:
        register(demo_app, cids["guardian_parent2"], "refused", day)
    assert (e.value.status, e.value.field) == (422, field)
    assert len(_records(demo_app)) == n


def test_other_bad_input(demo_app, cids):
    from zhurnal.plugins.consent import service
    n = len(_records(demo_app))
    for kw, field in [({"status": "maybe"}, "status"), ({"number": " "}, "document.number"),
                      ({"number": "x" * 51}, "document.number"), ({"student_ids": [cids["other_5a"]]}, "student_ids"),
                      ({"student_ids": []}, "student_ids")]:
        args = {"status": "granted", "number": "N-1", "student_ids": None} | kw
        with pytest.raises(service.Refused) as e:
            register(demo_app, cids["guardian_parent2"], args["status"], TODAY, args["number"], args["student_ids"])
        assert (e.value.status, e.value.field) == (422, field), kw
    assert len(_records(demo_app)) == n


def test_consent_is_per_child(demo_app, cids):
    """parent1 withdraws for the 6Б child only: the 5А child keeps the consent."""
    gid = cids["guardian_parent1"]
    register(demo_app, gid, "withdrawn", TODAY, student_ids=[cids["sibling"]], by_login="admin")
    assert _status(demo_app, gid, cids["sibling"]) == "withdrawn"
    assert _status(demo_app, gid, cids["student1"]) == "granted"
    from zhurnal.plugins.consent import service
    with demo_app.app_context():
        assert service.granted(cids["user_parent1"], cids["student1"]) is True
        assert service.granted(cids["user_parent1"], cids["sibling"]) is False


def test_the_signal_is_sent_after_commit_per_child_and_the_registration_is_audited(demo_app, cids):
    from zhurnal.core.audit import AuditEntry
    from zhurnal.core.db import database
    from zhurnal.plugins.consent import signals
    got = []

    def receiver(sender, **kw):
        got.append(dict(kw, in_transaction=database.in_transaction()))
    signals.consent_changed.connect(receiver, weak=False)
    try:
        ids = register(demo_app, cids["guardian_parent1"], "refused", TODAY, "О-3", by_login="admin")
    finally:
        signals.consent_changed.disconnect(receiver)
    assert len(ids) == 2
    assert sorted(k["student_id"] for k in got) == sorted([cids["student1"], cids["sibling"]])
    assert all(k["guardian_id"] == cids["guardian_parent1"] and k["consent"] is False and k["status"] == "refused"
               and k["by"].login == "admin" and k["school_id"] == cids["school"] and not k["in_transaction"]
               for k in got)
    assert sorted(k["record_id"] for k in got) == sorted(ids)
    with demo_app.app_context():
        e = AuditEntry.select().where(AuditEntry.action == "consent.record.register").order_by(AuditEntry.id.desc()).get()
        assert e.login == "admin" and e.object_id == str(cids["guardian_parent1"])
        assert e.payload["status"] == "refused" and e.payload["document"] == "О-3"
        assert sorted(e.payload["students"]) == sorted([cids["student1"], cids["sibling"]])
        # the audit's own listener did not record the signals a second time
        assert not AuditEntry.select().where(AuditEntry.action == "core.event.consent-changed").exists()


def test_consent_changed_is_declared_in_the_shared_namespace():
    from zhurnal.core import signals as core_signals
    from zhurnal.plugins.consent import signals
    assert core_signals.all_signals()["consent-changed"] is signals.consent_changed
    assert not hasattr(core_signals, "consent_changed")
    assert "guardian_id" in signals.consent_changed.__doc__


def test_paper_delivery_list(demo_app, cids):
    from zhurnal.plugins.consent import service
    with demo_app.app_context():
        rows = service.class_overview(cids["class_5a"])
        paper = service.paper_delivery_guardians(cids["class_5a"])
        expected = {r["guardian_id"] for r in rows if r["status"] in ("refused", "withdrawn", "none", "mixed")}
        assert set(paper) == expected
        assert cids["guardian_refused"] in paper and cids["guardian_none"] in paper
        assert cids["guardian_parent1"] not in paper and cids["guardian_parent2"] not in paper
        # the hook through the kernel's proxy for the school gives the same list
        ext = demo_app.extensions["zhurnal"]
        assert ext.plugins.hook_for(ext.school_by_id(cids["school"])).zhurnal_paper_delivery_guardians(
            class_id=cids["class_5a"]) == paper
    register(demo_app, cids["guardian_none"], "granted", TODAY)
    register(demo_app, cids["guardian_parent2"], "withdrawn", TODAY)
    with demo_app.app_context():
        paper2 = service.paper_delivery_guardians(cids["class_5a"])
    assert cids["guardian_none"] not in paper2 and cids["guardian_parent2"] in paper2


def test_the_hook_answers(demo_app, cids):
    from zhurnal.core.identity.models import User
    from zhurnal.plugins.consent import service
    from zhurnal.plugins.roster import service as roster
    from zhurnal.plugins.roster.models import Guardian, Student
    ext = demo_app.extensions["zhurnal"]
    with demo_app.test_request_context("/"):
        hooks = ext.plugins.hook_for(ext.school_by_id(cids["school"]))

        def ask(uid, sid):
            return hooks.zhurnal_consent_granted(user_id=uid, student_id=sid)
        assert ask(cids["user_parent1"], cids["student1"]) is True
        assert ask(cids["user_parent2"], cids["parent2_child"]) is True
        assert ask(cids["user_parent2"], cids["student1"]) is False  # not their child
        assert ask(cids["user_student1"], cids["student1"]) is True  # students follow their guardians
        assert ask(cids["user_teacher"], cids["student1"]) is None  # staff: not this registry's question
        # a guardian with an account but nothing registered, and one who refused
        for key in ("guardian_none", "guardian_refused"):
            gd = Guardian.get_by_id(cids[key])
            if gd.user_id is None:
                roster.give_guardian_account(gd, by=User.get(User.login == "admin"))
                gd = Guardian.get_by_id(gd.id)
            assert ask(gd.user_id, service.children_of(gd.id)[0].id) is False
    with demo_app.app_context():
        family = [g.id for g, _rel in roster.guardians_of(Student.get_by_id(cids["student1"]))]
    for gid in family:  # every guardian of student1 withdraws (or refuses) for them
        status = "withdrawn" if _status(demo_app, gid, cids["student1"]) == "granted" else "refused"
        register(demo_app, gid, status, TODAY, student_ids=[cids["student1"]], by_login="admin")
    with demo_app.test_request_context("/"):
        assert ask(cids["user_parent1"], cids["student1"]) is False
        assert ask(cids["user_student1"], cids["student1"]) is False
        assert ask(cids["user_parent1"], cids["sibling"]) is True  # the other child is untouched
    other = next((gid for gid in family if gid != cids["guardian_parent1"]), cids["guardian_parent1"])
    register(demo_app, other, "granted", TODAY, student_ids=[cids["student1"]], by_login="admin")
    with demo_app.test_request_context("/"):
        assert ask(cids["user_student1"], cids["student1"]) is True  # one guardian's consent is enough
        assert ask(cids["user_parent1"], cids["student1"]) is (other == cids["guardian_parent1"])


def test_the_guardians_answer_is_one_query(demo_app, cids):
    from zhurnal.plugins.consent import service
    from tests.utils import count_queries
    with demo_app.app_context():
        service.granted(cids["user_parent1"], cids["student1"])  # SQL built once
        with count_queries() as q:
            assert service.granted(cids["user_parent1"], cids["student1"]) is True
        assert q.count == 1


def test_text_versions(demo_app, cids):
    from zhurnal.core.identity.models import User
    from zhurnal.plugins.consent import service
    from zhurnal.plugins.consent.models import ConsentRecord
    with demo_app.test_request_context("/"):
        v1 = service.current_text(cids["school"])
        assert v1.version == 1 and "152-ФЗ" in v1.body
        with pytest.raises(service.Refused):
            service.publish_text(cids["school"], " ", "текст", TODAY)
        v2 = service.publish_text(cids["school"], "Согласие (ред. 2)", "Новый текст {school}", TODAY,
                                  by=User.get(User.login == "director"))
        assert v2.version == 2 and service.current_text(cids["school"]).id == v2.id
    register(demo_app, cids["guardian_none"], "granted", TODAY)
    with demo_app.app_context():
        old = ConsentRecord.get_by_id(1)
        assert old.text.version == 1
        newest = ConsentRecord.select().order_by(ConsentRecord.id.desc()).get()
        assert newest.text.version == 2


def test_personal_data_export_lists_the_records(demo_app, cids):
    from zhurnal.plugins.consent import service
    with demo_app.app_context():
        data = service.personal_data({"kind": "guardian", "id": cids["guardian_parent1"]})
        assert {r["student_id"] for r in data["records"]} == {cids["student1"], cids["sibling"]}
        assert service.personal_data({"kind": "guardian", "id": cids["guardian_none"]}) is None


def test_the_demo(demo_app, cids):
    """parent1 and parent2 consented; in 5А one guardian refused and one has nothing registered;
    the papers are registered (and audited) by the class teachers."""
    from zhurnal.core.audit import AuditEntry
    from zhurnal.plugins.consent import service
    with demo_app.app_context():
        assert service.current_status(cids["guardian_parent1"], cids["student1"]) == "granted"
        assert service.current_status(cids["guardian_parent1"], cids["sibling"]) == "granted"
        assert service.current_status(cids["guardian_parent2"], cids["parent2_child"]) == "granted"
        rows = service.class_overview(cids["class_5a"])
        assert {"granted", "refused", "none"} <= {r["status"] for r in rows}
        everywhere = [r for cid in (cids["class_6b"],) for r in service.class_overview(cid)]
        assert {"granted", "none"} <= {r["status"] for r in everywhere}
        demo = list(AuditEntry.select().where(AuditEntry.action == "consent.record.register"))
        assert demo and all(e.login for e in demo)
        assert {e.login for e in demo} >= {"klass5a", "klass6b"}


def test_concurrent_withdrawals_register_one(demo_app, cids):
    """Two registrars withdraw the same consent at once: one record, the other is refused (409)."""
    import threading
    from zhurnal.core.db import database
    from zhurnal.plugins.consent import service
    results, barrier = [], threading.Barrier(2)

    def withdraw(n):
        try:
            barrier.wait(5)
            register(demo_app, cids["guardian_parent2"], "withdrawn", TODAY, f"ОТЗ-{n}")
            results.append("ok")
        except service.Refused as e:
            results.append(e.status)
        finally:
            database.close()
    threads = [threading.Thread(target=withdraw, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results, key=str) == [409, "ok"]
    assert [r[3] for r in _records(demo_app, guardian=cids["guardian_parent2"])] == ["granted", "withdrawn"]


def test_metrics_for_the_operator(databases, demo_template):
    from zhurnal.core.app import create_app
    from zhurnal.core.config import load_settings
    from tests.conftest import BUILTIN_PLUGINS, _close_app, base_settings
    from zhurnal.plugins.consent import service
    from zhurnal.plugins.roster.models import Student, StudentGuardian
    template, _info = demo_template
    url = databases.new_url(template=template)
    token = "metrics-token-0123456789"
    app = create_app(settings=load_settings(base_settings(database_url=url, plugins={"enabled": BUILTIN_PLUGINS},
                                                          metrics_token=token), env={}))
    try:
        with app.app_context():
            links = list(StudentGuardian.select(StudentGuardian.guardian, StudentGuardian.student).join(Student)
                         .where(Student.left_at.is_null()).tuples())
            latest = service.latest_records()
            expected = sum(1 for gid, sid in links if getattr(latest.get((gid, sid)), "status", "none") != "granted")
            total = len(_records(app))
        text = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {token}"}).get_data(as_text=True)
        assert f"zhurnal_consent_records {float(total)}" in text
        assert f"zhurnal_consent_links_without_consent {float(expected)}" in text and expected > 0
    finally:
        _close_app(app)
        databases.drop(url)
