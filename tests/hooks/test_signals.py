"""Every signal on its own: one real action in the demo school sends it once the change is committed,
with exactly the keyword arguments its doc lists (``school_id`` the school's); a receiver owned by a
plugin that is switched off for the school is skipped, while the kernel's own receiver still hears it."""
from __future__ import annotations

import datetime as dt
import io

import pytest

from zhurnal.core import extending, signals
from zhurnal.core.db import database
from zhurnal.core.identity.models import School, User
from tests.conftest import TODAY, login
from tests.plugins.journal.helpers import journal_ids
from tests.plugins.roster.conftest import HEADER, csv_bytes

#: a plugin none of the triggers needs: its receiver is the one switched off
OWNER = "paper_export"


def _user(app, login_name):
    with app.app_context():
        return User.get(User.login == login_name)


def user_logged_in(app, ids, n):
    login(app, "teacher")


def login_failed(app, ids, n):
    assert app.test_client().post("/api/v1/auth/login", json={"login": "teacher", "password": f"wrong-{n}"}
                                  ).status_code == 401


def account_locked(app, ids, n):
    from zhurnal.core.identity import service
    with app.test_request_context("/"):
        service.lock(_user(app, "deputy"), by=_user(app, "admin"), reason="admin")


def credentials_compromised(app, ids, n):
    who = ("nurse", "deputy", "director")[n]     # each report stops the account
    assert login(app, who).post("/api/v1/me/compromised", json={}).status_code == 202


def new_device_login(app, ids, n):
    for _browser in range(2):   # a fresh client brings no device cookie: the second is a new device
        login(app, "director")


def password_changed(app, ids, n):
    from zhurnal.core.identity import service
    with app.test_request_context("/"):
        service.reset_password(_user(app, "deputy"), by=_user(app, "admin"))


def plugin_toggled(app, ids, n):
    r = login(app, "admin").put(f"/api/v1/schools/{ids['school']}/plugins/analytics", json={"enabled": n % 2 == 1})
    assert r.status_code == 200, r.get_json()


def student_changed(app, ids, n):
    r = login(app, "klass5a").post("/api/v1/students", json={"class_id": ids["class_5a"], "last_name": "Новиков" + "абв"[n],
                                                            "first_name": "Лев", "birth_date": "2015-04-01"})
    assert r.status_code == 201, r.get_json()


def roster_imported(app, ids, n):
    row = ["5А", "Жукова" + "абв"[n], "Мария", "Игоревна", "05.03.2015", "ж", "", "", "", "", "", "", ""]
    body = csv_bytes([row[1:]], header=HEADER[1:])
    r = login(app, "klass5a").post(f"/api/v1/classes/{ids['class_5a']}/import",
                                   data={"file": (io.BytesIO(body), "list.csv")}, content_type="multipart/form-data")
    assert r.status_code == 200, r.get_json()


def account_issued(app, ids, n):
    assert login(app, "klass5a").post(f"/api/v1/students/{ids['other_5a']}/account").status_code == 201


def mark_saved(app, ids, n):
    r = login(app, "teacher").post("/api/v1/marks", json={"student_id": ids["other_5a"],
                                                          "lesson_id": ids["lesson_math_5a"], "value": "4"})
    assert r.status_code == 201, r.get_json()


def attendance_saved(app, ids, n):
    r = login(app, "teacher").put("/api/v1/attendance", json={"student_id": ids["other_5a"],
                                                              "lesson_id": ids["lesson_math_5a"],
                                                              "status": ("absent", "late")[n % 2]})
    assert r.status_code == 200, r.get_json()


def _new_lesson(app, ids, n, **extra):
    r = login(app, "teacher").post("/api/v1/lessons", json={
        "class_id": ids["class_5a"], "subject_id": ids["subject_math"], "date": TODAY.isoformat(),
        "number": 7 + n, "topic": f"Дроби {n}", **extra})
    assert r.status_code == 201, r.get_json()


def homework_set(app, ids, n):
    _new_lesson(app, ids, n, homework=f"№ {700 + n}")


def lesson_changed(app, ids, n):
    _new_lesson(app, ids, n)


def term_mark_saved(app, ids, n):
    r = login(app, "teacher").put("/api/v1/term-marks", json={
        "student_id": ids["other_5a"], "subject_id": ids["subject_math"], "period_id": ids["period_q2"],
        "value": ("5", "4")[n % 2]})
    assert r.status_code == 200, r.get_json()


def remark_added(app, ids, n):
    r = login(app, "teacher").post("/api/v1/remarks", json={"student_id": ids["student1"], "kind": "praise",
                                                           "text": f"Молодец {n}", "subject_id": ids["subject_math"]})
    assert r.status_code == 201, r.get_json()


def diary_acknowledged(app, ids, n):
    from zhurnal.plugins.diary.models import Acknowledgement
    with app.app_context():    # the demo acknowledged some weeks already: start afresh
        Acknowledgement.delete().where(Acknowledgement.student == ids["student1"]).execute()
    r = login(app, "parent1").post(f"/api/v1/students/{ids['student1']}/diary/acknowledgements",
                                   json={"week": TODAY.isoformat()})
    assert r.status_code == 201, r.get_json()


def diary_viewed(app, ids, n):
    from zhurnal.core.db import utcnow
    from zhurnal.plugins.diary.models import Visit
    with app.app_context():
        Visit.update(last_at=utcnow() - dt.timedelta(hours=2)).where(Visit.student == ids["student1"]).execute()
    assert login(app, "student1").get(f"/api/v1/students/{ids['student1']}/diary").status_code == 200


def message_posted(app, ids, n):
    r = login(app, "parent1").post("/api/v1/messages/threads", json={"student_id": ids["student1"],
                                                                    "subject": f"Справка {n}", "body": "Принесём."})
    assert r.status_code == 201, r.get_json()


def medical_certificate_changed(app, ids, n):
    day = dt.date(2026, 11, 2) + dt.timedelta(days=7 * n)
    r = login(app, "nurse").post(f"/api/v1/students/{ids['other_5a']}/medical-certificates", json={
        "date_from": day.isoformat(), "date_to": (day + dt.timedelta(days=1)).isoformat(), "issued_by": "ДГП № 2",
        "number": f"14{n}", "reason": "illness"})
    assert r.status_code == 201, r.get_json()


def consent_changed(app, ids, n):
    r = login(app, "klass5a").post(f"/api/v1/guardians/{ids['guardian_parent1']}/consents", json={
        "status": ("granted", "withdrawn")[n % 2], "date": TODAY.isoformat(), "document": f"форма № {n}"})
    assert r.status_code == 201, r.get_json()


def analytics_report_sent(app, ids, n):
    r = login(app, "deputy").post("/api/v1/reports", json={"class_id": ids["class_5a"],
                                                          "from": "2026-11-02", "to": "2026-11-20"})
    assert r.status_code == 201, r.get_json()


TRIGGERS = {f.__name__: f for f in (
    user_logged_in, login_failed, account_locked, credentials_compromised, new_device_login, password_changed,
    plugin_toggled, student_changed, roster_imported, account_issued, mark_saved, attendance_saved, homework_set,
    lesson_changed, term_mark_saved, remark_added, diary_acknowledged, diary_viewed, message_posted,
    medical_certificate_changed, consent_changed, analytics_report_sent)}


def test_every_signal_has_a_trigger_here():
    extending.load_builtin_plugins()
    assert sorted(attr for attr, _m, _c in extending.declared_signals().values()) == sorted(TRIGGERS)


@pytest.mark.parametrize("attr", sorted(TRIGGERS))
def test_signal_is_sent_after_commit_with_its_documented_kwargs(demo_app, attr):
    extending.load_builtin_plugins()
    name = next(n for n, (a, _m, _c) in extending.declared_signals().items() if a == attr)
    signal = signals.named(name)
    documented = set(extending.kwargs_of(signal.__doc__))
    ids = journal_ids(demo_app)
    heard, plugin_heard = [], []

    def kernel_receiver(sender, **kw):
        heard.append((kw, database.in_transaction()))

    def plugin_receiver(sender, **kw):
        plugin_heard.append(kw)
    signals.connect(signal, kernel_receiver, app=demo_app, owner="core")
    signals.connect(signal, plugin_receiver, app=demo_app, owner=OWNER)

    TRIGGERS[attr](demo_app, ids, 1)
    assert heard, f"{attr} was not sent"
    for kw, in_transaction in heard:
        assert set(kw) == documented, f"{attr} carries {sorted(kw)}, its doc lists {sorted(documented)}"
        assert kw["school_id"] == ids["school"]
        assert not in_transaction, f"{attr} was sent inside a transaction, before commit"
    assert len(plugin_heard) == len(heard)

    # the owner switched off for the school: its receiver is skipped, the kernel's still hears
    with demo_app.app_context():
        School.update(disabled_plugins=OWNER).where(School.id == ids["school"]).execute()
    heard.clear()
    plugin_heard.clear()
    TRIGGERS[attr](demo_app, ids, 2)
    assert heard and plugin_heard == []
