"""What a report looks like: its charts (SVG with text alternatives), its reasons in words,
and its rows for XLSX/CSV export. Works on a live report and on a stored snapshot alike."""
from __future__ import annotations

from flask_babel import gettext as _

from . import charts

MONTHS = {"01": "янв", "02": "фев", "03": "мар", "04": "апр", "05": "май", "06": "июн", "07": "июл",
          "08": "авг", "09": "сен", "10": "окт", "11": "ноя", "12": "дек"}
MARK_ORDER = ["5", "4", "3", "2", "1"]


def title(rep: dict) -> str:
    if rep["kind"] == "class":
        return _("Report of class %(c)s", c=rep["class"]["name"])
    if rep["kind"] == "student":
        return _("Report of %(s)s", s=rep["student"]["name"])
    return _("School report")


def reason_text(r: dict) -> str:
    if r["code"] == "failing":
        return _("failing %(subject)s (average %(average)s)", subject=r["subject"], average=r["average"])
    if r["code"] == "drop":
        return _("average fell from %(before)s to %(now)s", before=r["before"], now=r["now"])
    if r["code"] == "absences":
        return _("%(count)s lessons missed without a reason", count=r["count"])
    return r["code"]


def _distribution_chart(dist: dict, title: str):
    labels = [v for v in MARK_ORDER if v in dist] + sorted(v for v in dist if v not in MARK_ORDER)
    values = [dist[v] for v in labels]
    desc = "; ".join(f"«{lab}»: {v}" for lab, v in zip(labels, values)) or _("No marks.")
    return charts.vbars(title, desc, labels, values)


def class_charts(rep: dict) -> list:
    graded = [s for s in rep["subjects"] if s["graded"] and s["average"] is not None]
    out = []
    if graded:
        labels = [s["name"] for s in graded]
        now = [s["average"] for s in graded]
        before = [s["previous"]["average"] for s in graded]
        desc = "; ".join(f"{lab}: {a} ({_('previous period')}: {b if b is not None else '—'})"
                         for lab, a, b in zip(labels, now, before))
        out.append(charts.hbars(_("Average mark by subject"), desc, labels,
                                [(_("this period"), now), (_("previous period"), before)], maximum=5))
        q = [s["quality"] for s in graded]
        su = [s["success"] for s in graded]
        desc = "; ".join(f"{lab}: {_('quality')} {a}%, {_('success')} {b}%" for lab, a, b in zip(labels, q, su))
        out.append(charts.hbars(_("Quality and success by subject, %"), desc, labels,
                                [(_("quality"), q), (_("success"), su)], maximum=100, unit="%"))
    out.append(_distribution_chart(rep["overall"].get("distribution", {}), _("Distribution of marks")))
    missed = [s for s in rep["students"] if s["attendance"]["missed"] or s["attendance"]["late"]]
    if missed:
        missed.sort(key=lambda s: -s["attendance"]["missed"])
        labels = [s["name"] for s in missed]
        series = [(_("missed: ill"), [s["attendance"]["ill"] for s in missed]),
                  (_("valid reason"), [s["attendance"]["valid"] for s in missed]),
                  (_("without reason"), [s["attendance"]["absent"] for s in missed])]
        desc = "; ".join(f"{s['name']}: {s['attendance']['missed']}" for s in missed)
        out.append(charts.stacked(_("Lessons missed by reason"), desc, labels, series))
    return out


def student_charts(rep: dict) -> list:
    out = []
    months = [MONTHS.get(m[5:], m) for m in rep.get("months", [])]
    series = [(s["name"], s["trend"]) for s in rep["subjects"] if s["graded"] and any(v is not None for v in s["trend"])]
    if series and months:
        desc = "; ".join(f"{name}: " + ", ".join("—" if v is None else str(v) for v in vals) for name, vals in series)
        out.append(charts.lines(_("Average mark by month"), desc, months, series))
    graded = [s for s in rep["subjects"] if s["graded"] and s["average"] is not None]
    if graded:
        labels = [s["name"] for s in graded]
        now = [s["average"] for s in graded]
        before = [s["previous_average"] for s in graded]
        desc = "; ".join(f"{lab}: {a}" for lab, a in zip(labels, now))
        out.append(charts.hbars(_("Average mark by subject"), desc, labels,
                                [(_("this period"), now), (_("previous period"), before)], maximum=5))
    out.append(_distribution_chart(rep["overall"].get("distribution", {}), _("Distribution of marks")))
    return out


def school_charts(rep: dict) -> list:
    out = []
    for par in rep["parallels"]:
        cls = [c for c in par["classes"] if c["overall"]["students"]]
        if not cls:
            continue
        labels = [c["name"] for c in cls]
        q = [c["overall"]["quality"] for c in cls]
        su = [c["overall"]["success"] for c in cls]
        desc = "; ".join(f"{lab}: {_('quality')} {a}%, {_('success')} {b}%" for lab, a, b in zip(labels, q, su))
        out.append(charts.hbars(_("Parallel %(n)s: quality and success, %%", n=par["parallel"]), desc, labels,
                                [(_("quality"), q), (_("success"), su)], maximum=100, unit="%"))
    return out


# --- export ------------------------------------------------------------------------------------

def export_rows(rep: dict) -> tuple[list[str], list[list]]:
    """One table per report: a section column, a name column, then the figures."""
    titles = [_("Section"), _("Title or name"), _("Average"), _("Previous average"), _("Quality, %"), _("Success, %"),
              _("Marks"), _("Lessons"), _("Missed"), _("Ill"), _("Valid reason"), _("Without reason"), _("Late"),
              _("Missed, %"), _("Notes")]
    rows: list[list] = []
    if rep["kind"] in ("class", "student"):
        ov = rep["overall"]
        for s in rep["subjects"]:
            prev = s["previous"]["average"] if "previous" in s else s.get("previous_average")
            rows.append([_("School subject"), s["name"], s["average"], prev, s.get("quality"), s.get("success"),
                         s["marks"], s.get("lessons"), None, None, None, None, None, None,
                         _("few marks") if s.get("few_marks") is True else ""])
        att = rep["attendance"]
        rows.append([_("Overall"), "", ov["average"], (ov.get("previous") or {}).get("average", ov.get("previous_average")),
                     ov["quality"] if rep["kind"] == "class" else None,
                     ov["success"] if rep["kind"] == "class" else None, ov["marks"], att.get("lessons"),
                     att.get("missed"), att.get("ill"), att.get("valid"), att.get("absent"), att.get("late"),
                     att.get("missed_pct"), ""])
        for st in rep.get("students", []):
            a = st["attendance"]
            few = ", ".join(f"{f['subject']} ({f['marks']})" for f in st["few_marks"])
            rows.append([_("Student"), st["name"], st["average"], st["previous_average"], None, None, st["marks"],
                         a["lessons"], a["missed"], a["ill"], a["valid"], a["absent"], a["late"], a["missed_pct"],
                         (_("few marks") + ": " + few) if few else ""])
        risk = rep["at_risk"] if rep["kind"] == "class" else (
            [{"name": rep["student"]["name"], "reasons": rep["at_risk"]}] if rep["at_risk"] else [])
        for r in risk:
            rows.append([_("At risk"), r["name"]] + [None] * 12 + ["; ".join(reason_text(x) for x in r["reasons"])])
        return titles, rows
    subjects = {str(s["id"]): s["name"] for s in rep["subjects"]}
    for par in rep["parallels"]:
        for c in par["classes"]:
            o, a = c["overall"], c["attendance"]
            rows.append([_("Class"), c["name"], o["average"], None, o["quality"], o["success"],
                         None, None, a["missed"], a["ill"], a["valid"], a["absent"], a["late"], None, ""])
            for sid, cell in c["subjects"].items():
                rows.append([_("Class and subject"), f"{c['name']} — {subjects.get(sid, sid)}", cell["average"], None,
                             cell["quality"], cell["success"], None, None, None, None, None, None, None, None, ""])
    for t in rep["completeness"]:
        rows.append([_("Teacher"), t["teacher"], None, None, None, None, None, t["lessons"], None, None, None, None,
                     None, None, _("without topic: %(a)s, without marks: %(b)s, without homework: %(c)s, "
                                   "control works without marks: %(d)s", a=t["without_topic"], b=t["without_marks"],
                                   c=t["without_homework"], d=t["control_without_marks"])])
    return titles, rows
