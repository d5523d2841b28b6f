"""Access cases of the diary's endpoints (see :mod:`tests.access`)."""
from tests.access import STANDARD_LOGINS, Case

EVERYONE = STANDARD_LOGINS
#: who reads student1's diary (5А): the family, the class teacher, the administration
READ_S1 = ("parent1", "student1", "klass5a", "director", "deputy")
#: the sibling is in 6Б: not klass5a's class
READ_SIBLING = ("parent1", "director", "deputy")
#: parent2's child (5А): their family, the class teacher, the administration
READ_P2_CHILD = ("parent2", "klass5a", "director", "deputy")
#: a classmate of student1 whose family has no demo login: staff only
READ_OTHER_5A = ("klass5a", "director", "deputy")
CONTROL_5A = ("klass5a", "director", "deputy")
#: who has conversations: families and teachers
MESSAGING = ("parent1", "parent2", "teacher", "klass5a", "fizruk")
#: who may write about student1: a guardian, the class teacher, teachers of 5А (maths, PE)
WRITE_S1 = ("parent1", "teacher", "klass5a", "fizruk")
LAST_WEEK = "2026-11-16"


def _thread(app, login):
    """A fresh conversation between parent1 and klass5a about student1."""
    from zhurnal.core.identity.models import User
    from zhurnal.plugins.diary import service
    from zhurnal.plugins.roster.models import Student
    with app.test_request_context():
        p1 = User.get(User.login == "parent1")
        kl = User.get(User.login == "klass5a")
        st = Student.get(Student.user == User.get(User.login == "student1"))
        th, _m = service.start_thread(p1, st, side="guardian", recipient_ids=[kl.id], subject="Проверка доступа",
                                      body="Сообщение")
    return {"thread": th.id}


CASES = [
    Case("diary.asset", "GET", "/diary/static/week.js", allow=EVERYONE, note="scripts need a login, nothing more"),
    Case("diary.asset", "GET", "/diary/static/diary.css", allow=EVERYONE, note="so do the styles"),
    Case("diary.index", "GET", "/diary/", allow=("parent1", "parent2", "student1", "klass5a", "director", "deputy")),
    Case("diary.week", "GET", "/diary/students/{student1}", allow=READ_S1),
    Case("diary.week", "GET", "/diary/students/{sibling}", allow=READ_SIBLING),
    Case("diary.week", "GET", "/diary/students/{parent2_child}", allow=READ_P2_CHILD),
    Case("diary.week", "GET", "/diary/students/{other_5a}", allow=READ_OTHER_5A),
    Case("diary.acknowledge", "POST", "/diary/students/{student1}/acknowledge", data={"week": LAST_WEEK},
         allow=("parent1",)),
    Case("diary.acknowledge", "POST", "/diary/students/{parent2_child}/acknowledge", data={"week": LAST_WEEK},
         allow=("parent2",)),
    Case("diary.marks", "GET", "/diary/students/{student1}/marks", allow=READ_S1),
    Case("diary.marks", "GET", "/diary/students/{sibling}/marks", allow=READ_SIBLING),
    Case("diary.marks", "GET", "/diary/students/{parent2_child}/marks", allow=READ_P2_CHILD),
    Case("diary.calendar", "GET", "/diary/students/{student1}/calendar", allow=READ_S1),
    Case("diary.calendar", "GET", "/diary/students/{sibling}/calendar", allow=READ_SIBLING),
    Case("diary.class_page", "GET", "/diary/classes/{class_5a}", allow=CONTROL_5A),
    Case("diary.control_page", "GET", "/diary/classes/{class_5a}/acknowledgements", allow=CONTROL_5A),
    Case("diary.control_page", "GET", "/diary/classes/{class_6b}/acknowledgements", allow=("director", "deputy")),
    Case("diary.control_export", "GET", "/diary/classes/{class_5a}/acknowledgements.xlsx", allow=CONTROL_5A),
    Case("diary.announce", "GET", "/diary/classes/{class_5a}/announce", allow=("klass5a",)),
    Case("diary.announce", "POST", "/diary/classes/{class_5a}/announce", data={"subject": "", "body": ""},
         allow=("klass5a",), note="empty: refused with 422 after the access check, nothing is sent"),
    Case("diary.messages", "GET", "/diary/messages", allow=MESSAGING),
    Case("diary.new_message", "GET", "/diary/messages/new?student_id={student1}", allow=WRITE_S1),
    Case("diary.new_message", "POST", "/diary/messages/new", data={"student_id": "{student1}", "subject": "",
                                                                  "body": ""}, allow=WRITE_S1),
    Case("diary.thread", "GET", "/diary/messages/{thread}", setup=_thread, allow=("parent1", "klass5a")),
    Case("diary.help", "GET", "/diary/help", allow=EVERYONE),
    Case("diary.leaflet", "GET", "/diary/help/leaflet", allow=EVERYONE),

    Case("diary_api.week", "GET", "/api/v1/students/{student1}/diary", allow=READ_S1),
    Case("diary_api.week", "GET", "/api/v1/students/{parent2_child}/diary",
         allow=("parent2", "klass5a", "director", "deputy")),
    Case("diary_api.week", "GET", "/api/v1/students/{sibling}/diary?week=" + LAST_WEEK, allow=READ_SIBLING),
    Case("diary_api.week", "GET", "/api/v1/students/{other_5a}/diary", allow=READ_OTHER_5A),
    Case("diary_api.acknowledge", "POST", "/api/v1/students/{student1}/diary/acknowledgements",
         json={"week": LAST_WEEK}, allow=("parent1",)),
    Case("diary_api.acknowledge", "POST", "/api/v1/students/{sibling}/diary/acknowledgements",
         json={"week": LAST_WEEK}, allow=("parent1",)),
    Case("diary_api.acknowledge", "POST", "/api/v1/students/{parent2_child}/diary/acknowledgements",
         json={"week": LAST_WEEK}, allow=("parent2",)),
    Case("diary_api.period_marks", "GET", "/api/v1/students/{student1}/marks", allow=READ_S1),
    Case("diary_api.period_marks", "GET", "/api/v1/students/{sibling}/marks", allow=READ_SIBLING),
    Case("diary_api.period_marks", "GET", "/api/v1/students/{parent2_child}/marks", allow=READ_P2_CHILD),
    Case("diary_api.calendar", "GET", "/api/v1/students/{student1}/calendar", allow=READ_S1),
    Case("diary_api.calendar", "GET", "/api/v1/students/{sibling}/calendar", allow=READ_SIBLING),
    Case("diary_api.calendar", "GET", "/api/v1/students/{parent2_child}/calendar", allow=READ_P2_CHILD),
    Case("diary_api.class_acknowledgements", "GET", "/api/v1/classes/{class_5a}/acknowledgements", allow=CONTROL_5A),
    Case("diary_api.class_acknowledgements", "GET", "/api/v1/classes/{class_6b}/acknowledgements",
         allow=("director", "deputy")),
    Case("diary_api.list_threads", "GET", "/api/v1/messages/threads", allow=MESSAGING),
    Case("diary_api.create_thread", "POST", "/api/v1/messages/threads",
         json=lambda ids: {"student_id": ids["student1"], "subject": "Вопрос", "body": "Текст"}, allow=WRITE_S1),
    Case("diary_api.get_thread", "GET", "/api/v1/messages/threads/{thread}", setup=_thread,
         allow=("parent1", "klass5a")),
    Case("diary_api.post_message", "POST", "/api/v1/messages/threads/{thread}/messages", json={"body": "Ответ"},
         setup=_thread, allow=("parent1", "klass5a")),
    Case("diary_api.announce", "POST", "/api/v1/classes/{class_5a}/announcements",
         json={"subject": "Собрание", "body": "В четверг в 18:00"}, allow=("klass5a",)),
    Case("diary_api.unread", "GET", "/api/v1/messages/unread", allow=MESSAGING),
]
