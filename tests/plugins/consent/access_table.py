"""Access cases of the consent registry (see tests/access.py).

Reading and registering: the class teacher of the guardian's child (klass5a for 5А
families), the director and the admin. Nobody else: not the deputy, subject
teachers (teacher, fizruk), the nurse, support, families or students.
"""
from tests.access import Case

STAFF = ("admin", "director", "klass5a")


def _body(ids):
    # "refused" is always a valid next record: allowed callers get 201, never 409
    return {"status": "refused", "date": "2026-11-25", "document": {"number": "A-1", "kept_at": "папка 5А"}}


CASES = [
    # --- API
    Case("consent_api.guardian_consents", "GET", "/api/v1/guardians/{guardian_parent1}/consents", allow=STAFF),
    Case("consent_api.register_consent", "POST", "/api/v1/guardians/{guardian_parent1}/consents", allow=STAFF,
         json=_body),
    Case("consent_api.class_consents", "GET", "/api/v1/classes/{class_5a}/consents", allow=STAFF),
    # --- pages
    Case("consent.index", "GET", "/consent/", allow=STAFF),
    Case("consent.class_page", "GET", "/consent/classes/{class_5a}", allow=STAFF),
    Case("consent.class_page", "POST", "/consent/classes/{class_5a}", allow=STAFF,
         data={"guardian_id": "{guardian_parent1}", "status": "refused", "date": "2026-11-25", "number": "W-1"}),
    Case("consent.class_export", "GET", "/consent/classes/{class_5a}/export.csv", allow=STAFF),
    Case("consent.guardian_page", "GET", "/consent/guardians/{guardian_parent1}", allow=STAFF),
    Case("consent.form_print", "GET", "/consent/form", allow=STAFF),
    Case("consent.texts_page", "GET", "/consent/texts", allow=("admin", "director")),
    Case("consent.texts_page", "POST", "/consent/texts", allow=("admin", "director"),
         data={"title": "Согласие (ред. {school})", "body": "Текст согласия {school}", "valid_from": "2026-11-26"}),
]
