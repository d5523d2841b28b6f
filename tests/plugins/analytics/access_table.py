"""Access cases of the analytics endpoints (see tests/access.py).

Class figures: the administration, the class teacher (klass5a for 5А) and the subject
teachers of the class (teacher: maths, fizruk: PE — narrowed to their subject). A
student's figures: the same for their students; guardians none unless the school
enables it (off in the demo). The school report, sending and the settings: director
and deputy. A sent class report: the administration and that class's teacher.
"""
from tests.access import Case

ADMIN = ("director", "deputy")
CLASS = ADMIN + ("klass5a", "teacher", "fizruk")
PERIOD = "from=2026-11-05&to=2026-12-28"


def _sent_report(app, login):
    """A fresh 5А report sent by the deputy, for each login to try to open."""
    import datetime as dt
    from zhurnal.core.identity.models import User
    from zhurnal.plugins.analytics import service
    from zhurnal.plugins.roster.models import SchoolClass
    with app.test_request_context():
        cls = SchoolClass.get((SchoolClass.parallel == 5) & (SchoolClass.letter == "А"))
        [r] = service.send_class(cls, dt.date(2026, 11, 5), dt.date(2026, 12, 28), by=User.get(User.login == "deputy"))
        return {"report": r.id}


CASES = [
    # --- API
    Case("analytics_api.class_report", "GET", "/api/v1/classes/{class_5a}/report?" + PERIOD, allow=CLASS),
    Case("analytics_api.student_report", "GET", "/api/v1/students/{student1}/report?" + PERIOD, allow=CLASS,
         note="parents only when the school enables it (tests/plugins/analytics/test_snapshots.py)"),
    Case("analytics_api.send_report", "POST", "/api/v1/reports", allow=ADMIN,
         json=lambda ids: {"class_id": ids["class_5a"], "from": "2026-11-05", "to": "2026-11-26"}),
    Case("analytics_api.sent_report", "GET", "/api/v1/reports/{report}", allow=ADMIN + ("klass5a",),
         setup=_sent_report),
    # --- pages
    Case("analytics.index", "GET", "/analytics/", allow=CLASS),
    Case("analytics.class_page", "GET", "/analytics/classes/{class_5a}?" + PERIOD, allow=CLASS),
    Case("analytics.student_page", "GET", "/analytics/students/{student1}?" + PERIOD, allow=CLASS),
    Case("analytics.school_page", "GET", "/analytics/school?" + PERIOD, allow=ADMIN),
    Case("analytics.send", "POST", "/analytics/send", allow=ADMIN,
         data={"target": "{class_5a}", "from": "2026-11-05", "to": "2026-11-26"}),
    Case("analytics.report_page", "GET", "/analytics/reports/{report}", allow=ADMIN + ("klass5a",),
         setup=_sent_report),
    Case("analytics.settings", "GET", "/analytics/settings", allow=ADMIN),
    Case("analytics.settings", "POST", "/analytics/settings", allow=ADMIN,
         data={"min_marks": "3", "risk_absences": "10", "risk_drop": "0,5"}),
]
