"""A report as a PDF through paper_export (``zhurnal_render_pdf``), read back; no PDF when paper_export is off."""
from __future__ import annotations

from tests.access import demo_ids
from tests.conftest import login
from tests.plugins.paper_export.conftest import pdf_text


def test_the_class_report_prints_as_a_pdf_only_while_paper_export_is_on(demo_app, as_user, tmp_path):
    ids = demo_ids(demo_app)
    d = as_user("deputy")
    url = f"/analytics/classes/{ids['class_5a']}"
    page = d.get(url).get_data(as_text=True)
    assert "format=pdf" in page
    r = d.get(url + "?format=pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data.startswith(b"%PDF")
    text = pdf_text(r.data, tmp_path)
    assert "5А" in text and "Математика" in text
    assert as_user("parent1").get(url + "?format=pdf").status_code in (403, 404)

    from zhurnal.core.identity.models import School
    with demo_app.app_context():
        school = School.select().first().id
    admin = login(demo_app, "admin")
    assert admin.put(f"/api/v1/schools/{school}/plugins/paper_export", json={"enabled": False}).status_code == 200
    assert "format=pdf" not in d.get(url).get_data(as_text=True)
    assert d.get(url + "?format=pdf").status_code == 404
