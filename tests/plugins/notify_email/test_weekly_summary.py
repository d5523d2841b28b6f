"""The weekly summary per child with a signed single-use «Ознакомлен» link, delivered by e-mail."""
from __future__ import annotations

import re

from zhurnal.core.identity.models import User
from zhurnal.core.notify.worker import deliver_due
from zhurnal.plugins.diary import service as diary
from zhurnal.plugins.diary.models import Acknowledgement
from zhurnal.plugins.diary.summary import queue_week
from zhurnal.plugins.diary.week import monday_of, week_facts
from zhurnal.plugins.roster.models import Guardian, Student
from tests.conftest import TODAY
from tests.plugins.journal.helpers import journal_ids


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_weekly_summary_link_acknowledges_like_the_diary_button_once(notify_app, smtp):
    consent = {"all": True}
    app = notify_app(email=smtp.settings(), consent=consent, base_url="http://school.example")
    ids = journal_ids(app)
    monday = monday_of(TODAY)
    with app.app_context():
        p1 = User.get(User.login == "parent1")
        email = Guardian.get(Guardian.user == p1.id).email
        consent["all"] = None
        consent[(p1.id, ids["student1"])] = True          # consent for one child only
        queued = queue_week(monday)
        assert queued >= 2 and queue_week(monday) == 0    # a week is queued once
        deliver_due()
        s1 = Student.get_by_id(ids["student1"])
        mine = Acknowledgement.select().where((Acknowledgement.user == p1.id) & (Acknowledgement.week == monday) &
                                              (Acknowledgement.student == s1.id))
        Acknowledgement.delete().where(Acknowledgement.id.in_([a.id for a in mine])).execute()
    got = smtp.to(email)
    assert len(got) == 1                                   # the sibling's summary: no consent, not sent
    msg = got[0]
    assert msg["Subject"] == f"Неделя с {monday.strftime('%d.%m.%Y')}: {s1.first_name} {s1.last_name}"
    body = msg.get_body(("plain",)).get_content()
    assert "Оценок:" in body and "Чтобы подтвердить, что вы ознакомились с неделей, откройте:" in body
    url = re.search(r"http://school\.example(/diary/ack/\S+)", body).group(1)
    client = app.test_client()                             # not logged in: the link stands for parent1
    page = client.get(url)
    assert page.status_code == 200 and 'id="ack-button"' in page.get_data(as_text=True)
    with app.app_context():
        assert mine.count() == 0                           # GET changes nothing
    done = client.post(url, data={"csrf_token": _csrf(page.get_data(as_text=True))})
    assert done.status_code == 200 and 'id="ack-done"' in done.get_data(as_text=True)
    with app.app_context():
        ack = diary.latest_acknowledgement(p1.id, ids["student1"], monday)
        assert mine.count() == 1 and ack is not None and ack.fingerprint == week_facts(ids["student1"], monday)[0]
        # the diary's own button now finds the week acknowledged, nothing changed since
        assert diary.acknowledge(p1, s1, monday)[1] is False
    again = client.get(url)
    assert again.status_code == 410 and "уже использована" in again.get_data(as_text=True)
    forged = client.get(url[:-3] + "abc")
    assert forged.status_code == 404
