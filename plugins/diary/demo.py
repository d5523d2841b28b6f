"""Demo data of the diary: accounts for part of the 5А families, acknowledgements of past
weeks (and of this one by a few families), last visits, a few conversations and a class
announcement in 5А.

Runs after the journal's demo (the acknowledgements fingerprint its marks).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from zhurnal.core.demo import DemoContext
from zhurnal.plugins.journal import service as journal
from zhurnal.plugins.roster import service as roster
from zhurnal.plugins.roster.models import Guardian, StudentGuardian

from . import service
from .models import Acknowledgement, ThreadMember, Visit
from .week import fingerprint, monday_of

#: how many past weeks carry acknowledgements
WEEKS_BACK = 4


def _evening(day: dt.date, rng, hour_from: int = 15) -> dt.datetime:
    """A time in the evening of ``day`` (UTC; 18:00-22:00 in Moscow)."""
    return dt.datetime.combine(day, dt.time(hour_from + rng.randrange(4), rng.randrange(60)))


def seed(ctx: DemoContext) -> None:
    rng, r = ctx.rng, ctx.data["roster"]
    cls5a = r["classes"]["5А"]
    s1, sib, p2_child = r["student1_record"], r["sibling"], r["parent2_child"]
    parent1, parent2, t = r["parent1"], r["parent2"], r["teachers"]
    students5a = r["students"]["5А"]
    # the roster's well-known students keep their families as the roster made them
    keep = {s1.id, p2_child.id, max(s.id for s in students5a if s.id not in (s1.id, p2_child.id))}

    # -- more families of 5А with an account (their login slips were issued) -----------------------
    mothers = {link.student_id: link.guardian for link in
               StudentGuardian.select(StudentGuardian, Guardian).join(Guardian)
               .where(StudentGuardian.student.in_([s.id for s in students5a]) &
                      (StudentGuardian.relation == "mother"))}
    accounts = 0
    for st in students5a:
        g = mothers.get(st.id)
        if st.id in keep or g is None or g.user_id or rng.random() > 0.6:
            continue
        user, _password = roster.give_guardian_account(g)
        g.user = user
        accounts += 1

    # -- acknowledgements of past weeks ---------------------------------------------------------------
    this_week = monday_of(ctx.today)
    family = defaultdict(list)  # student id -> guardian rows with an account
    for link in (StudentGuardian.select(StudentGuardian, Guardian).join(Guardian)
                 .where(StudentGuardian.student.in_([s.id for s in students5a] + [sib.id]) &
                        Guardian.user.is_null(False))):
        family[link.student_id].append(link.guardian)
    ids = list(family)
    rows = []
    for back in range(0, WEEKS_BACK + 1):
        monday = this_week - dt.timedelta(days=7 * back)
        sunday = monday + dt.timedelta(days=6)
        marks, att, rem = defaultdict(list), defaultdict(list), defaultdict(list)
        for m in journal.marks_for(ids, date_from=monday, date_to=sunday):
            marks[m.student_id].append(m)
        for a in journal.attendance_for(ids, date_from=monday, date_to=sunday):
            att[a.student_id].append(a)
        for x in journal.remarks_for(ids, monday, sunday):
            rem[x.student_id].append(x)
        for sid, guardians in family.items():
            for g in guardians:
                if back == 0:
                    # this week: a few families already looked midweek (parent1 and parent2 have not)
                    if g.user_id in (parent1.id, parent2.id) or rng.random() > 0.35:
                        continue
                    seen_until = min(monday + dt.timedelta(days=rng.randrange(1, 3)), ctx.today - dt.timedelta(days=1))
                    ms = [m for m in marks[sid] if m.lesson.date <= seen_until]
                    at_list = [a for a in att[sid] if a.lesson.date <= seen_until]
                    rs = [x for x in rem[sid] if x.date <= seen_until]
                    at = _evening(seen_until, rng)
                else:
                    if g.user_id == parent1.id:
                        if sid == sib.id and back == 1:
                            continue  # the sibling's last week is still waiting
                    elif g.user_id == parent2.id:
                        if back == 1:
                            continue  # parent2 has not acknowledged last week yet
                    elif rng.random() < 0.3:
                        continue
                    ms, at_list, rs = marks[sid], att[sid], rem[sid]
                    at = _evening(sunday - dt.timedelta(days=rng.randrange(2)), rng)
                    if back == 1 and g.user_id != parent1.id and len(ms) > 1 and rng.random() < 0.25:
                        # acknowledged before the week's last mark was entered: shows as "new data since"
                        ms, at = ms[:-1], ms[-1].created_at - dt.timedelta(hours=2)
                fp = fingerprint([(m.id, m.version) for m in ms], [(a.id, a.version) for a in at_list],
                                 [x.id for x in rs])
                rows.append({"school": ctx.school.id, "student": sid, "guardian": g.id, "user": g.user_id,
                             "week": monday, "at": at, "fingerprint": fp, "marks": len(ms),
                             "absences": sum(a.status != "late" for a in at_list), "remarks": len(rs)})
    if rows:
        Acknowledgement.insert_many(rows).execute()

    # -- last visits -------------------------------------------------------------------------------------------
    visits = []
    for sid, guardians in family.items():
        for g in guardians:
            if g.user_id == parent1.id:
                last = _evening(ctx.today - dt.timedelta(days=2), rng)
            else:
                last = _evening(ctx.today - dt.timedelta(days=rng.randrange(1, 10)), rng)
            visits.append({"school": ctx.school.id, "user": g.user_id, "student": sid,
                           "first_at": dt.datetime.combine(this_week - dt.timedelta(days=70), dt.time(17)),
                           "last_at": last, "previous_at": last - dt.timedelta(days=rng.randint(2, 6)),
                           "count": rng.randint(8, 40)})
    su = r["student1"]
    visits.append({"school": ctx.school.id, "user": su.id, "student": s1.id,
                   "first_at": dt.datetime.combine(this_week - dt.timedelta(days=60), dt.time(14)),
                   "last_at": _evening(ctx.today - dt.timedelta(days=1), rng, 12),
                   "previous_at": _evening(ctx.today - dt.timedelta(days=3), rng, 12), "count": 23})
    Visit.insert_many(visits).execute()

    # -- conversations ------------------------------------------------------------------------------------------
    ct = t["klass5a"]
    d = ctx.today
    th, _m = service.start_thread(
        parent1, s1, side="guardian", recipient_ids=[ct.id], subject="Пропуск занятий по болезни",
        body="Ольга Николаевна, добрый день! Ребёнок болел, справку от врача передадим в понедельник. "
             "Подскажите, пожалуйста, какие темы по русскому языку нужно догнать?",
        at=_evening(d - dt.timedelta(days=9), rng))
    member = ThreadMember.get((ThreadMember.thread == th.id) & (ThreadMember.user == ct.id))
    service.reply(ct, th, member, "Здравствуйте! Выздоравливайте. Нужно повторить «Синтаксис и пунктуация», "
                                  "упр. 112–118. Жду справку у себя в кабинете 21.",
                  at=_evening(d - dt.timedelta(days=8), rng))
    th2, _m = service.start_thread(
        t["teacher"], s1, side="staff", recipient_ids=[parent1.id], subject="Домашние задания по математике",
        body="Уважаемые родители! На этой неделе не сданы две домашние работы. Прошу проконтролировать.",
        at=_evening(d - dt.timedelta(days=3), rng))
    p1m = ThreadMember.get((ThreadMember.thread == th2.id) & (ThreadMember.user == parent1.id))
    service.reply(parent1, th2, p1m, "Спасибо, что сообщили. Проверим и сдадим до пятницы.",
                  at=_evening(d - dt.timedelta(days=2), rng))
    tm = ThreadMember.get((ThreadMember.thread == th2.id) & (ThreadMember.user == t["teacher"].id))
    service.reply(t["teacher"], th2, tm, "Хорошо, жду. Задачи № 456–460 можно сдать на перемене.",
                  at=_evening(d - dt.timedelta(days=1), rng))  # parent1 has not read it yet
    service.start_thread(
        parent2, p2_child, side="guardian", recipient_ids=[ct.id], subject="Экскурсия в краеведческий музей",
        body="Добрый вечер! Во сколько вернутся дети с экскурсии в пятницу? Нужно ли давать с собой обед?",
        at=_evening(d - dt.timedelta(days=1), rng))
    recipients = sorted({g.user_id for st in students5a for g in family.get(st.id, [])})
    service.announce(ct, cls5a, recipients, subject="Родительское собрание 3 декабря",
                     body="Уважаемые родители! Собрание 5А класса состоится 3 декабря в 18:00 в кабинете 21. "
                          "Тема: итоги первой четверти и подготовка к контрольным работам за полугодие. "
                          "Раздадим памятки по электронному дневнику.",
                     at=_evening(d - dt.timedelta(days=4), rng))

    ctx.summary.append(f"diary: {accounts} more 5А families with accounts, {len(rows)} acknowledgements of this and the last "
                       f"{WEEKS_BACK} weeks, {len(visits)} last visits, 3 conversations and an announcement in 5А")
