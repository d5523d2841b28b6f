"""Access cases of the health sheet's endpoints (see tests/access.py).

Full read: director, nurse, the class teacher (klass5a for 5А), the parent and the
student themself; the PE teacher (fizruk) gets the PE view of classes and students
he teaches PE; writes: nurse and the class teacher. Nobody else, in particular
not the deputy, the admin or other teachers.
"""
from tests.access import Case

READERS = ("director", "klass5a", "nurse", "parent1", "student1")
WRITERS = ("klass5a", "nurse")
CLASS_READERS = ("director", "klass5a", "nurse", "fizruk")


def _sheet_version(app, login):
    """The current version of other_5a's sheet, so an allowed PUT is not refused as stale."""
    from zhurnal.plugins.health_sheet.models import HealthRecord
    from tests.access import demo_ids
    ids = demo_ids(app)
    with app.app_context():
        rec = HealthRecord.get_or_none(HealthRecord.student == ids["other_5a"])
        return {"hs_version": rec.version if rec else 0, "hs_group": 1 + (rec.health_group or 1) % 4 if rec else 1,
                "hs_login": login or "anon"}


def _fresh_certificate(app, login):
    """A new certificate of other_5a for each login to try to remove."""
    from zhurnal.plugins.health_sheet import service
    from zhurnal.plugins.roster.models import Student
    from tests.access import demo_ids
    import datetime as dt
    ids = demo_ids(app)
    with app.app_context():
        st = Student.get_by_id(ids["other_5a"])
        cert = service.add_certificate(st, {"date_from": dt.date(2026, 10, 5), "date_to": dt.date(2026, 10, 6),
                                            "issued_by": "Поликлиника № 1", "number": f"t-{login}"},
                                       by=None, via="api", source="nurse")
        return {"cert": cert.id}


def _sheet_body(ids):
    return {"version": ids["hs_version"], "health_group": ids["hs_group"], "pe_group": "main",
            "allergies": f"проверка {ids['hs_login']}"}


def _cert_body(ids):
    return {"date_from": "2026-11-02", "date_to": "2026-11-03", "issued_by": "Поликлиника № 2",
            "number": f"n-{ids['hs_login']}", "reason": "illness"}


CASES = [
    # --- API
    Case("health_sheet_api.student_health", "GET", "/api/v1/students/{student1}/health",
         allow=READERS + ("fizruk",), note="fizruk gets the PE view (tested in test_permissions.py)"),
    Case("health_sheet_api.save_health", "PUT", "/api/v1/students/{other_5a}/health", allow=WRITERS,
         setup=_sheet_version, json=_sheet_body),
    Case("health_sheet_api.health_history", "GET", "/api/v1/students/{student1}/health/history", allow=READERS),
    Case("health_sheet_api.list_certificates", "GET", "/api/v1/students/{student1}/medical-certificates",
         allow=READERS),
    Case("health_sheet_api.add_certificate", "POST", "/api/v1/students/{other_5a}/medical-certificates",
         allow=WRITERS, setup=_sheet_version, json=_cert_body),
    Case("health_sheet_api.remove_certificate", "DELETE", "/api/v1/medical-certificates/{cert}", allow=WRITERS,
         setup=_fresh_certificate),
    Case("health_sheet_api.class_health", "GET", "/api/v1/classes/{class_5a}/health", allow=CLASS_READERS),
    Case("health_sheet_api.import_class_health", "POST", "/api/v1/classes/{class_5a}/health/import",
         allow=WRITERS, note="no file: allowed users get 422"),
    # --- pages
    Case("health_sheet.index", "GET", "/health_sheet/",
         allow=("director", "klass5a", "nurse", "fizruk", "parent1", "parent2", "student1")),
    Case("health_sheet.class_sheet", "GET", "/health_sheet/classes/{class_5a}", allow=CLASS_READERS),
    Case("health_sheet.class_print", "GET", "/health_sheet/classes/{class_5a}/print", allow=CLASS_READERS),
    Case("health_sheet.class_import", "GET", "/health_sheet/classes/{class_5a}/import", allow=WRITERS),
    Case("health_sheet.student_sheet", "GET", "/health_sheet/students/{student1}", allow=READERS + ("fizruk",)),
    Case("health_sheet.student_sheet", "POST", "/health_sheet/students/{other_5a}", allow=WRITERS,
         setup=_sheet_version, data={"version": "{hs_version}", "health_group": "{hs_group}", "pe_group": "main"}),
    Case("health_sheet.add_certificate", "POST", "/health_sheet/students/{other_5a}/certificates", allow=WRITERS,
         setup=_sheet_version, data={"date_from": "2026-11-09", "date_to": "2026-11-10",
                                     "issued_by": "Поликлиника № 3", "number": "p-{hs_login}", "reason": "injury"}),
    Case("health_sheet.remove_certificate", "POST", "/health_sheet/certificates/{cert}/remove", allow=WRITERS,
         setup=_fresh_certificate),
]
