"""Journal rows of the benchmark school: bells, scales, kinds of work, the weekly timetable,
a year of lessons from it, and marks, attendance, quarter marks and remarks up to "today".

Marks and attendance (about 1.5 million rows) are streamed to the writer in chunks.
"""
from __future__ import annotations

import datetime as dt
import json
import random

from . import school as shape
from .rows import NOW, SCHOOL_ID, YEAR_ID, tables, teacher_user_id

BELLS = [("08:30", "09:15"), ("09:25", "10:10"), ("10:30", "11:15"), ("11:35", "12:20"), ("12:30", "13:15"),
         ("13:25", "14:10"), ("14:20", "15:05"), ("15:15", "16:00")]
#: the journal's default scales and kinds of work (its own, when it exports them)
try:
    from zhurnal.plugins.journal.service import DEFAULT_SCALES, DEFAULT_WORK_KINDS
except ImportError:  # the journal's service is not written yet
    DEFAULT_SCALES = {"five": ("Пятибалльная", ["5", "4", "3", "2", "1"], {"5": 5, "4": 4, "3": 3, "2": 2, "1": 1})}
    DEFAULT_WORK_KINDS = [("answer", "Ответ на уроке", 1.0), ("homework", "Домашняя работа", 1.0),
                          ("independent", "Самостоятельная работа", 1.5), ("control", "Контрольная работа", 2.0)]
#: a lesson (and timetable slot) of a split group names the group and its class (the journal's convention)
GROUP_LESSON_HAS_CLASS = True
#: share of present student-lessons (grades 2-11) that get a mark; control works mark (nearly) everyone
MARK_RATE = 0.72
#: share of those marks followed by a second one in the same lesson (homework checked as well)
P_SECOND = 0.27
P_LATE, P_ABSENT = 0.012, 0.015


def journal_rows(w, plan: shape.School, st: dict, people: dict, today: dt.date, until: dt.date,
                 rng: random.Random) -> dict:
    T = tables()
    subjects = st["subjects"]
    w.insert(T["bell"], [(SCHOOL_ID, n, a + ":00", b + ":00") for n, (a, b) in enumerate(BELLS, 1)])
    w.insert(T["scale"], [(i, SCHOOL_ID, code, name, json.dumps(values, ensure_ascii=False),
                           json.dumps(numeric, ensure_ascii=False), int(code == "five"))
                          for i, (code, (name, values, numeric)) in enumerate(DEFAULT_SCALES.items(), 1)])
    w.insert(T["kind"], [(i, SCHOOL_ID, code, name, weight)
                         for i, (code, name, weight) in enumerate(DEFAULT_WORK_KINDS, 1)])
    kind_id = {code: i for i, (code, _n, _w) in enumerate(DEFAULT_WORK_KINDS, 1)}
    kind_weight = {code: weight for code, _n, weight in DEFAULT_WORK_KINDS}

    # the weekly timetable
    entries = []
    by_weekday: dict[int, list[tuple]] = {d: [] for d in range(1, 6)}
    for n, slot in enumerate(plan.slots, 1):
        tch = plan.teachings[slot.teaching]
        cls = plan.classes[tch.class_index]
        grp = people["group_of"].get((tch.class_index, tch.subject, tch.group)) if tch.group else None
        cid = cls.index + 1 if (grp is None or GROUP_LESSON_HAS_CLASS) else None
        room = str(200 + tch.teacher % 60) if tch.group else str(100 + cls.index)
        entries.append((n, SCHOOL_ID, YEAR_ID, slot.weekday, slot.number, subjects[tch.subject],
                        teacher_user_id(tch.teacher), cid, grp, room, None, None))
        studs = people["group_students"][grp] if grp else people["class_students"][cls.index + 1]
        by_weekday[slot.weekday].append((n, slot.number, subjects[tch.subject], teacher_user_id(tch.teacher), cid,
                                         grp, studs, cls.parallel > 1, tch.subject))
    w.insert(T["timetable"], entries)

    # lessons of the year from the timetable, school days only
    days = shape.school_days(st["year_start"], until, st["quarters"], st["holidays"])
    lessons, info = [], []
    counter: dict[int, int] = {}
    lid = 0
    for day, pno in days:
        ds = day.isoformat()
        for entry, number, subj, teacher, cid, grp, studs, graded, sname in by_weekday[day.isoweekday()]:
            lid += 1
            k = counter[entry] = counter.get(entry, 0) + 1
            control = k % 8 == 0 and graded
            hw = f"§ {k // 2 + 1}, упр. {k * 3 % 40 + 1}" if k % 10 < 7 else ""
            lessons.append((lid, SCHOOL_ID, pno, ds, number, subj, teacher, cid, grp, f"{sname}: тема {k}", hw, "[]",
                            None, int(control), f"Контрольная работа № {k // 8}" if control else "", 0, entry, 1,
                            f"{ds} 08:00:00"))
            info.append((lid, day, pno, subj, teacher, studs, control, graded, f"{ds} {BELLS[number - 1][1]}:00"))
    w.insert(T["lesson"], lessons)

    stats = _marks_and_attendance(w, T, info, people, today, kind_id, kind_weight, st, rng)
    bench = stats["bench"]
    bench.update(_bench_targets(plan, st, people, info, today))
    return stats


def _ill_days(n_students: int, days: list[dt.date], rng: random.Random) -> list[frozenset]:
    """Days each student was ill: about three episodes of 2-7 school days a year."""
    out = []
    ords = [d.toordinal() for d in days]
    for _ in range(n_students):
        s = set()
        for _ep in range(rng.choice((1, 2, 3, 3, 4))):
            if not ords:
                break
            i = rng.randrange(len(ords))
            s.update(ords[i:i + rng.randint(2, 7)])
        out.append(frozenset(s))
    return out


def _marks_and_attendance(w, T, info, people, today, kind_id, kind_weight, st, rng) -> dict:
    """Marks and attendance of every lesson up to today, streamed to the writer in chunks."""
    today_ord = today.toordinal()
    days = sorted({i[1] for i in info if i[1] <= today})
    ill = _ill_days(len(people["students"]) + 1, days, rng)
    ability = people["ability"]
    rnd = rng.random
    codes = ("answer", "homework", "independent", "control")
    k_answer, k_home, k_test, k_control = (kind_id[c] for c in codes)
    w_answer, w_home, w_test, w_control = (kind_weight[c] for c in codes)
    marks, att = [], []
    mid = aid = 0
    n_marks = n_att = 0
    sums: dict[int, list] = {}   # (student, subject, period) -> [weighted sum, weights]
    CHUNK = 100_000
    for lid, day, pno, subj, teacher, studs, control, graded, created in info:
        dord = day.toordinal()
        if dord > today_ord:
            continue
        for s in studs:
            if dord in ill[s]:
                aid += 1
                att.append((aid, lid, s, "ill", "", None, None, teacher, created, 1))
                continue
            r = rnd()
            if r < P_ABSENT:
                aid += 1
                att.append((aid, lid, s, "absent", "", None, None, teacher, created, 1))
                continue
            if r < P_ABSENT + P_LATE:
                aid += 1
                att.append((aid, lid, s, "late", "", None, None, teacher, created, 1))
            if not graded:
                continue
            r = rnd()
            if control:
                if r > 0.97:
                    continue
                kind, weight = k_control, w_control
            elif r < MARK_RATE * 0.6:
                kind, weight = k_answer, w_answer
            elif r < MARK_RATE * 0.9:
                kind, weight = k_home, w_home
            elif r < MARK_RATE:
                kind, weight = k_test, w_test
            else:
                continue
            v = int(ability[s - 1] + rnd() * 1.7 - 0.35)
            v = 2 if v < 2 else 5 if v > 5 else v
            mid += 1
            marks.append((mid, lid, s, str(v), float(v), kind, weight, "", teacher, created, created, 1))
            total, weights = v * weight, weight
            if not control and rnd() < P_SECOND:
                v2 = int(ability[s - 1] + rnd() * 1.7 - 0.35)
                v2 = 2 if v2 < 2 else 5 if v2 > 5 else v2
                mid += 1
                marks.append((mid, lid, s, str(v2), float(v2), k_home, w_home, "", teacher, created, created, 1))
                total += v2 * w_home
                weights += w_home
            key = (s << 16) | (subj << 3) | pno
            acc = sums.get(key)
            if acc is None:
                sums[key] = [total, weights]
            else:
                acc[0] += total
                acc[1] += weights
        if len(marks) >= CHUNK:
            n_marks += w.insert(T["mark"], marks)
            marks = []
        if len(att) >= CHUNK:
            n_att += w.insert(T["attendance"], att)
            att = []
    n_marks += w.insert(T["mark"], marks)
    n_att += w.insert(T["attendance"], att)

    # quarter marks of the quarters already over, set by the subject's teacher
    closed = {p[2] for p in st["periods"] if dt.date.fromisoformat(p[5]) < today}
    terms = []
    for key, (total, weights) in sums.items():
        pno = key & 7
        if pno in closed:
            avg = total / weights
            terms.append((key >> 16, (key >> 3) & 0x1FFF, YEAR_ID, pno, str(max(2, min(5, int(avg + 0.5)))),
                          round(avg, 2), None, NOW, 1))
    w.insert(T["term"], terms)
    # a few remarks and praises
    past = [i for i in info if i[1] <= today]
    remarks = []
    for _ in range(min(3000, len(past))):
        lid, day, pno, subj, teacher, studs, *_rest = rng.choice(past)
        s = rng.choice(studs)
        praise = rng.random() < 0.4
        remarks.append((s, teacher, lid, subj, day.isoformat(), "praise" if praise else "remark",
                        "Отличная работа на уроке!" if praise else "Не выполнил домашнее задание.",
                        f"{day.isoformat()} 15:00:00"))
    w.insert(T["remark"], remarks)
    return {"bench": {"marks": n_marks, "attendance": n_att}}


def _bench_targets(plan, st, people, info, today) -> dict:
    """What the benchmark requests: the grid's class, subject and quarter; lessons to mark; parents."""
    out: dict = {}
    big, small = people["bench"]["class_big"], people["bench"]["class_small"]
    math = st["subjects"]["Математика"]
    if big:
        tch = next(t for t in plan.teachings if t.class_index == big - 1 and t.subject == "Математика")
        out["grid_teacher"] = f"bench_t{tch.teacher + 1:03d}"
        out["subject_id"] = math
        out["subject_name"] = "Математика"
        # the longest quarter already over (or the current one): the biggest grid
        done = [p for p in st["periods"] if dt.date.fromisoformat(p[4]) <= today]
        p = max(done, key=lambda p: (min(dt.date.fromisoformat(p[5]), today) - dt.date.fromisoformat(p[4])).days)
        out["grid_period"] = {"id": p[0], "number": p[2], "from": p[4], "to": min(p[5], today.isoformat())}
        out["grid_lessons"] = sum(1 for i in info if i[3] == math and i[5] is people["class_students"][big]
                                  and p[4] <= i[1].isoformat() <= out["grid_period"]["to"])
        # lessons to put marks on: the latest mathematics lessons of the big class up to today
        mine = [i[0] for i in info if i[3] == math and i[5] is people["class_students"][big] and i[1] <= today]
        out["mark_lessons"] = mine[-5:]
        out["mark_students"] = people["class_students"][big]
    monday = today - dt.timedelta(days=today.weekday())
    out["week"] = monday.isoformat()
    parents = people["parents_of"]
    big_kids = [s for s in people["class_students"].get(big, []) if s in parents]
    small_kids = [s for s in people["class_students"].get(small, []) if s in parents]
    others = [s for s in sorted(parents) if s not in big_kids and s not in small_kids]
    pool = (big_kids + others)[:16] if big_kids else others[:16]
    out["parents"] = [{"login": parents[s], "student_id": s} for s in pool]
    if big_kids:
        out["parent_big"] = {"login": parents[big_kids[0]], "student_id": big_kids[0]}
    if small_kids:
        out["parent_small"] = {"login": parents[small_kids[0]], "student_id": small_kids[0]}
    return out
