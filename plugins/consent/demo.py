"""Demo consent registry: parent1 and parent2 consented for their children; in 5А one
guardian refused and at least one has nothing registered; elsewhere a believable mix
(most consented, a few refused, one withdrew, some papers still missing)."""
from __future__ import annotations

import datetime as dt
import random

from zhurnal.core import clock
from zhurnal.core.demo import DemoContext
from zhurnal.plugins.roster.models import Guardian, StudentGuardian

from . import service


def seed(ctx: DemoContext) -> None:
    r = ctx.data["roster"]
    rng = random.Random(917)  # its own: the other plugins' demo data stays as it was
    last_day = min(ctx.today, clock.today())
    start = r["year"].start
    p1 = Guardian.get(Guardian.user == r["parent1"].id)
    p2 = Guardian.get(Guardian.user == r["parent2"].id)
    classes = r["classes"]
    teachers = {c.id: c.class_teacher for c in classes.values()}  # the registrar, as the audit names them
    number = 0

    def paper(gd: Guardian, status: str, day: dt.date, student_ids, cls) -> None:
        nonlocal number
        day = min(day, last_day)
        number += 1
        service.register(gd, status, day, f"{cls.name}-{number:03d}", f"папка «Согласия», {cls.name}, у кл. руководителя",
                         student_ids=student_ids, by=teachers[cls.id], via="demo")

    done: set[int] = set()
    # parent1: one paper for both children (5А and 6Б); parent2: for their 5А child
    paper(p1, "granted", start + dt.timedelta(days=2), None, classes["5А"])
    paper(p2, "granted", start + dt.timedelta(days=3), None, classes["5А"])
    done |= {p1.id, p2.id}
    withdrawn = False
    for cname, cls in classes.items():
        students = r["students"][cname]
        links = (StudentGuardian.select(StudentGuardian.guardian)
                 .where(StudentGuardian.student.in_([s.id for s in students]))
                 .order_by(StudentGuardian.student, StudentGuardian.id).tuples())
        family = list(dict.fromkeys(gid for (gid,) in links if gid not in done))
        done.update(family)
        for i, gid in enumerate(family):
            gd = Guardian.get_by_id(gid)
            day = start + dt.timedelta(days=rng.randint(1, 20))
            roll = rng.random()
            if cname == "5А" and i == 0:
                paper(gd, "refused", day, None, cls)  # 5А: one family refused ...
            elif cname == "5А" and (i == len(family) - 1 or i % 7 == 3):
                continue  # ... and some papers are not back yet: nothing registered
            elif not withdrawn and cname != "5А" and roll < 0.5:
                paper(gd, "granted", day, None, cls)
                paper(gd, "withdrawn", day + dt.timedelta(days=30), None, cls)
                withdrawn = True
            elif roll < 0.75:
                paper(gd, "granted", day, None, cls)
            elif roll < 0.83:
                paper(gd, "refused", day, None, cls)
            # else nothing registered
    ctx.summary.append(f"consent: {number} papers registered")
