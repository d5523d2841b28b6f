"""The journal archive with its checksum (``zhurnal archive verify``) and ``zhurnal export extracts``."""
from __future__ import annotations

import datetime as dt

from .conftest import audit_since, last_audit_id, pdf_pages, pdf_text


def _archive(demo_app, client, ids) -> bytes:
    from zhurnal.plugins.paper_export.models import Batch
    r = client.post(f"/paper_export/classes/{ids['class_5a']}/batches",
                    data={"kind": "archive", "from": "2026-09-01", "to": "2026-10-24"})
    assert r.status_code == 302
    with demo_app.app_context():
        b = Batch.select().where(Batch.kind == "archive").order_by(Batch.id.desc()).get()
        assert b.status == "done", b.error
    return client.get(f"/paper_export/batches/{b.id}.pdf").data


def test_archive_prints_the_class_journal_with_its_checksum_and_verifies(demo_app, as_user, ids, tmp_path, cli):
    from zhurnal.plugins.journal.models import Lesson, Mark
    from zhurnal.plugins.paper_export.archive import read_meta
    from zhurnal.plugins.paper_export.models import Archive
    from zhurnal.plugins.roster import service as roster
    demo_app.config["WTF_CSRF_ENABLED"] = False
    body = _archive(demo_app, as_user("director"), ids)  # the director may print archives, not extracts
    path = tmp_path / "journal-5a.pdf"
    path.write_bytes(body)
    uid, digest = read_meta(str(path))
    with demo_app.app_context():
        a = Archive.get(Archive.uid == uid)
        assert a.checksum == digest and len(digest) == 64
        students = roster.class_students(ids["class_5a"])
        lesson = (Lesson.select().where((Lesson.school_class == ids["class_5a"]) & (Lesson.topic != "") &
                                        (Lesson.date <= dt.date(2026, 10, 24))).first())
    text = pdf_text(body, tmp_path)
    assert "КЛАССНЫЙ ЖУРНАЛ" in text and "Математика" in text and "Русский язык" in text
    assert digest in text.replace(" ", "") and uid in text  # visibly, in the footer
    assert all(s.short_name in text for s in students[:5])
    assert lesson.topic.split()[0] in text
    assert pdf_pages(body) > 5

    r = cli(demo_app, "archive", "verify", str(path))
    assert r.exit_code == 0 and r.output.startswith("OK: ") and uid in r.output
    # the data changes: the printed copy no longer matches
    with demo_app.app_context():
        m = (Mark.select().join(Lesson).where((Lesson.school_class == ids["class_5a"]) &
                                              (Lesson.date <= dt.date(2026, 10, 24))).first())
        Mark.update(value="2" if m.value != "2" else "3").where(Mark.id == m.id).execute()
    r = cli(demo_app, "archive", "verify", str(path))
    assert r.exit_code == 1 and "MISMATCH" in r.output and "changed" in r.output
    # not an archive at all
    other = tmp_path / "extract.pdf"
    other.write_bytes(as_user("klass5a").get(f"/api/v1/students/{ids['student1']}/extract.pdf?from=2026-09-01&to=2026-09-30").data)
    r = cli(demo_app, "archive", "verify", str(other))
    assert r.exit_code == 1 and "not a Zhurnal journal archive" in r.output
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"not a pdf")
    assert cli(demo_app, "archive", "verify", str(junk)).exit_code == 1


def test_export_extracts_command_writes_one_pdf_for_the_class(demo_app, tmp_path, cli, ids, monkeypatch):
    from zhurnal.plugins.roster import service as roster
    monkeypatch.chdir(tmp_path)
    since = last_audit_id(demo_app)
    r = cli(demo_app, "export", "extracts", "--class", "5А", "--from", "2026-11-02", "--to", "2026-11-15")
    assert r.exit_code == 0, r.output
    written = list(tmp_path.glob("extracts-5А-2026-11-02-2026-11-15.pdf"))
    assert len(written) == 1
    body = written[0].read_bytes()
    assert f"exported {pdf_pages(body)} pages to" in r.output
    with demo_app.app_context():
        students = roster.class_students(ids["class_5a"])
    assert pdf_text(body, tmp_path).count("ВЫПИСКА") == len(students)
    assert len(audit_since(demo_app, since, "paper_export.extract.print")) == len(students)
    out = tmp_path / "x.pdf"
    assert cli(demo_app, "export", "extracts", str(out), "--class", "5А", "--from", "2026-11-02",
               "--to", "2026-11-03").exit_code == 0 and out.read_bytes().startswith(b"%PDF")


def test_export_extracts_bad_input_is_one_line_and_non_zero(demo_app, cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cases = [
        (["--class", "5А", "--from", "2026-11-15", "--to", "2026-11-02"], "--to"),
        (["--class", "9Я", "--from", "2026-11-02", "--to", "2026-11-15"], "no class"),
        (["--class", "5А", "--from", "2026-11-02"], "--to"),
        (["--class", "5А", "--from", "2026-02-30", "--to", "2026-11-15"], "2026-02-30"),
        (["--class", "5А", "--from", "99999999999-01-01", "--to", "2026-11-15"], "99999999999"),
    ]
    for args, word in cases:
        r = cli(demo_app, "export", "extracts", *args)
        assert r.exit_code != 0, args
        assert word in r.output and r.output.strip().count("\n") <= 3, r.output
    assert not list(tmp_path.glob("*.pdf"))
    r = cli(demo_app, "export", "students", "x.csv", "--from", "2026-11-02")
    assert r.exit_code == 1 and "do not apply" in r.output


def test_archive_of_a_chosen_period_and_of_the_year(demo_app, as_user, ids):
    from zhurnal.plugins.paper_export.models import Archive, Batch
    from zhurnal.plugins.roster.models import Period, SchoolClass
    demo_app.config["WTF_CSRF_ENABLED"] = False
    k = as_user("klass5a")
    with demo_app.app_context():
        q1 = Period.get((Period.year == SchoolClass.get_by_id(ids["class_5a"]).year_id) & (Period.number == 1))
    assert k.post(f"/paper_export/classes/{ids['class_5a']}/batches",
                  data={"kind": "archive", "period": str(q1.id)}).status_code == 302
    with demo_app.app_context():
        a = Archive.select().order_by(Archive.id.desc()).get()
        assert (a.date_from, a.date_to) == (q1.start, q1.end)
    for bad in ("999999", "99999999999999999999999", "x"):
        r = k.post(f"/paper_export/classes/{ids['class_5a']}/batches", data={"kind": "archive", "period": bad})
        assert r.status_code == 422
    # the extracts form is the class teacher's; the director prints only the archive
    r = as_user("director").post(f"/paper_export/classes/{ids['class_5a']}/batches",
                                 data={"from": "2026-11-02", "to": "2026-11-03"})
    assert r.status_code == 403
    with demo_app.app_context():
        assert Batch.select().where(Batch.kind == "extracts").count() == 0


def test_archive_make_and_verify_from_the_command_line(demo_app, cli, tmp_path):
    path = tmp_path / "5a.pdf"
    r = cli(demo_app, "archive", "make", "--class", "5А", "--from", "2026-11-16", "--to", "2026-11-21", str(path))
    assert r.exit_code == 0 and "archived the journal of 5А" in r.output, r.output
    r = cli(demo_app, "archive", "verify", str(path))
    assert r.exit_code == 0 and r.output.startswith("OK: archive ")
    bad = cli(demo_app, "archive", "make", "--class", "5А", "--from", "2026-11-21", "--to", "2026-11-16",
              str(tmp_path / "x.pdf"))
    assert bad.exit_code == 1 and "--to" in bad.output and not (tmp_path / "x.pdf").exists()
    assert cli(demo_app, "archive", "make", "--class", "9Я", "--from", "2026-11-16", "--to", "2026-11-21",
               str(tmp_path / "y.pdf")).exit_code == 1
