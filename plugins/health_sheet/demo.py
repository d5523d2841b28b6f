"""Demo health sheets for 5А and 6Б: mostly groups I/II and the main PE group, a few students in
the preparatory and special groups with limits, one exempt from PE for a while, some allergies,
and three medical certificates (one covering the last three school days of a 5А student)."""
from __future__ import annotations

import datetime as dt

from zhurnal.core.demo import DemoContext
from zhurnal.core.identity.models import User
from zhurnal.plugins.roster import service as roster

from . import service

RECOMMENDATIONS = ["Первая парта (близорукость)", "Сидеть ближе к доске, средний ряд",
                   "Ограничить зрительную нагрузку, перерывы каждые 20 минут", "Первая парта (снижение слуха)"]
ALLERGIES = ["Цитрусовые", "Пыльца берёзы (весной)", "Пенициллин", "Орехи, арахис", "Шерсть животных"]
PREP_LIMITS = ["Без сдачи нормативов, исключить длительный бег", "Снизить нагрузку, без прыжков и кувырков",
               "Без силовых упражнений"]
SPECIAL_LIMITS = ["Специальная группа: ЛФК, без бега на время и прыжков",
                  "Исключить упражнения с натуживанием и наклоны головы"]
ISSUERS = ["ГБУЗ «Детская городская поликлиника № 2» г. Твери", "ГБУЗ «Детская областная клиническая больница»",
           "Детский санаторий «Радуга»"]


def _school_days_before(day: dt.date, n: int, holidays: set[dt.date]) -> list[dt.date]:
    out = []
    d = day - dt.timedelta(days=1)
    while len(out) < n:
        if d.weekday() < 5 and d not in holidays:
            out.append(d)
        d -= dt.timedelta(days=1)
    return sorted(out)


def seed(ctx: DemoContext) -> None:
    r = ctx.data["roster"]
    rng = ctx.rng
    nurse = User.get(User.login == "nurse")
    year = r["year"]
    today = ctx.today
    start, end = year.start, year.end
    protected = {r["student1_record"].id, r["parent2_child"].id, r["sibling"].id}
    counts = {"sheets": 0, "versions": 0, "certificates": 0}
    picked: dict[str, dict[str, list]] = {}

    for cname in ("5А", "6Б"):
        students = r["students"][cname]
        ct = r["teachers"]["klass5a" if cname == "5А" else "klass6b"]
        order = [s for s in students if s.id not in protected]
        rng.shuffle(order)
        # the exempt pupil first, so that even a small demo class (zhurnal demo --students 5) has one
        exempt = order[:1] if cname == "5А" else []
        rest = order[len(exempt):]
        prep, special = rest[:3], rest[3:4]
        later_main = rest[4:5]  # preparatory in September, main since October: two versions
        for i, st in enumerate(students):
            data = {"health_group": rng.choices([1, 2, 3], weights=[40, 50, 10])[0], "pe_group": "main"}
            if st in prep:
                data.update(health_group=2, pe_group="preparatory", pe_valid_from=start, pe_valid_to=end,
                            pe_limits=rng.choice(PREP_LIMITS))
            elif st in special:
                data.update(health_group=3, pe_group="special", pe_valid_from=start, pe_valid_to=end,
                            pe_limits=rng.choice(SPECIAL_LIMITS),
                            recommendations="Щадящий режим, без дежурств с переноской тяжестей")
            elif st in exempt:
                data.update(health_group=2, pe_group="exempt", pe_valid_from=today - dt.timedelta(days=10),
                            pe_valid_to=today + dt.timedelta(days=29),
                            pe_limits="Освобождение после перелома предплечья; присутствует на уроке без нагрузки")
            if rng.random() < 0.15:
                data["recommendations"] = rng.choice(RECOMMENDATIONS)
            if rng.random() < 0.2:
                data["allergies"] = rng.choice(ALLERGIES)
            if rng.random() < 0.08:
                data["notes"] = "Носит очки"
            if st.id == r["student1_record"].id:
                data.update(health_group=2, pe_group="main", allergies="Цитрусовые")
            if st in later_main:
                first = dict(data, health_group=2, pe_group="preparatory", pe_valid_from=start,
                             pe_valid_to=dt.date(start.year, 9, 30), pe_limits="После ОРВИ: сниженная нагрузка")
                service.save_sheet(st, first, version=0, by=nurse, via="demo", source="nurse")
                service.save_sheet(st, data, version=1, by=ct, via="demo", source="nurse_data")
                counts["versions"] += 2
            else:
                service.save_sheet(st, data, version=0, by=nurse, via="demo", source="nurse")
                counts["versions"] += 1
            counts["sheets"] += 1
        picked[cname] = {"prep": prep, "special": special, "exempt": exempt}

    # certificates: the last three school days of a 5А student (the journal may justify absences then),
    # an injury in 6Б in October, a sanatorium stay in September
    days = _school_days_before(today, 3, roster.holiday_dates(year))
    injured = picked["5А"]["exempt"][0]
    ill = next(s for s in r["students"]["5А"][3:] if s.id not in protected and s.id != injured.id)
    service.add_certificate(ill, {"date_from": days[0], "date_to": days[-1], "issued_by": ISSUERS[0],
                                  "number": "1452", "reason": "illness"}, by=nurse, via="demo", source="nurse")
    service.add_certificate(injured, {"date_from": today - dt.timedelta(days=17), "date_to": today - dt.timedelta(days=11),
                                      "issued_by": ISSUERS[1], "number": "77-3021", "reason": "injury"},
                            by=nurse, via="demo", source="nurse")
    spa = next(s for s in r["students"]["6Б"] if s.id not in protected)
    service.add_certificate(spa, {"date_from": dt.date(start.year, 9, 15), "date_to": dt.date(start.year, 9, 26),
                                  "issued_by": ISSUERS[2], "number": "С-118", "reason": "sanatorium"},
                            by=r["teachers"]["klass6b"], via="demo", source="nurse_data")
    counts["certificates"] = 3

    ctx.data["health_sheet"] = {"ill_student": ill, "ill_days": days, "exempt_student": injured, "spa_student": spa,
                                "picked": picked}
    ctx.summary.append(f"health_sheet: {counts['sheets']} sheets in 5А and 6Б ({counts['versions']} versions), "
                       f"{counts['certificates']} medical certificates")
