"""Access cases of paper export (see tests/access.py).

A student's extract: the guardians of that student (parent1 for student1), the class
teacher of the class (klass5a for 5А) and the administrator; nobody else (404, audited).
Class batches, the handover register and schedules: klass5a and the administrator; the
archive also the director and deputy; login slips: whoever issues roster accounts.
"""
from tests.access import STANDARD_LOGINS, Case

EXTRACT = ("admin", "klass5a", "parent1")
PRINT = ("admin", "klass5a")
ARCHIVE = ("admin", "klass5a", "director", "deputy")
SLIPS = ("admin", "deputy", "klass5a")


def _handover(app, login):
    """A fresh printed extract of other_5a to tick."""
    import datetime as dt
    from zhurnal.plugins.paper_export.models import Handover
    from zhurnal.plugins.roster.models import Student
    from tests.access import demo_ids
    ids = demo_ids(app)
    with app.app_context():
        st = Student.get_by_id(ids["other_5a"])
        h = Handover.create(school=st.school_id, student=st.id, school_class=st.school_class_id,
                            date_from=dt.date(2026, 11, 2), date_to=dt.date(2026, 11, 8))
        return {"handover": h.id}


def _batch(app, login):
    import datetime as dt
    from zhurnal.plugins.paper_export.models import Batch
    from zhurnal.plugins.roster.models import SchoolClass
    from tests.access import demo_ids
    ids = demo_ids(app)
    with app.app_context():
        c = SchoolClass.get_by_id(ids["class_5a"])
        b = Batch.create(school=c.school_id, school_class=c.id, date_from=dt.date(2026, 11, 2),
                         date_to=dt.date(2026, 11, 8), status="done", pdf=b"%PDF-1.7 test", total=1, done=1)
        return {"batch": b.id}


def _slip(app, login):
    import datetime as dt
    from zhurnal.core.identity.models import User
    from zhurnal.plugins.paper_export.models import SlipIssue
    from zhurnal.plugins.roster.models import Student
    from tests.access import demo_ids
    ids = demo_ids(app)
    with app.app_context():
        st = Student.get_by_id(ids["student1"])
        s = SlipIssue.create(school=st.school_id, user=User.get(User.login == "student1"), person_kind="student",
                             person_id=st.id, school_class=st.school_class_id,
                             expires_at=dt.datetime(2026, 12, 10))
        return {"slip": s.id}


CASES = [
    Case("paper_export_api.student_extract", "GET", "/api/v1/students/{student1}/extract.pdf?from=2026-11-02&to=2026-11-08",
         allow=EXTRACT),
    Case("paper_export.asset", "GET", "/paper_export/static/progress.js", allow=STANDARD_LOGINS,
         note="the page's script needs a login, nothing more"),
    Case("paper_export.class_page", "GET", "/paper_export/classes/{class_5a}", allow=ARCHIVE),
    Case("paper_export.start_batch", "POST", "/paper_export/classes/{class_5a}/batches", allow=PRINT,
         data={"from": "2026-11-02", "to": "2026-11-03", "selection": "chosen", "student": "{other_5a}"}),
    Case("paper_export.batch_status", "GET", "/paper_export/batches/{batch}.json", allow=PRINT, setup=_batch),
    Case("paper_export.batch_pdf", "GET", "/paper_export/batches/{batch}.pdf", allow=PRINT, setup=_batch),
    Case("paper_export.tick_handover", "POST", "/paper_export/handovers/{handover}", allow=PRINT, setup=_handover,
         data={"handed": "1"}),
    Case("paper_export.set_schedule", "POST", "/paper_export/classes/{class_5a}/schedule", allow=PRINT,
         data={"every_days": "14", "selection": "class"}),
    Case("paper_export.slips_page", "GET", "/paper_export/classes/{class_5a}/slips", allow=SLIPS),
    Case("paper_export.slips_page", "POST", "/paper_export/classes/{class_5a}/slips", allow=SLIPS,
         data={"person": "s:{other_5a}", "reissue": "1"}),
    Case("paper_export.tick_slip", "POST", "/paper_export/slips/{slip}", allow=SLIPS, setup=_slip,
         data={"handed": "1"}),
]

CASES += [
    Case("paper_export.school_page", "GET", "/paper_export/school", allow=("admin",)),
    Case("paper_export.school_page", "POST", "/paper_export/school", allow=("admin",),
         data={"from": "2026-11-26", "to": "2026-11-25"}, note="a bad range: refused with 422 before any work"),
]
