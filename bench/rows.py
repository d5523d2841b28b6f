"""Rows of the benchmark school, written table by table through a :mod:`bench.writer`.

Ids are assigned here (1, 2, 3, ... per table in a fresh database), so rows can
point at each other without reading anything back. Dates and times are written
as ISO strings, the way peewee stores them in SQLite (PostgreSQL parses them).
"""
from __future__ import annotations

import datetime as dt
import random

from zhurnal.core.identity.models import RoleAssignment, School, User
from zhurnal.plugins.journal import models as jm
from zhurnal.plugins.roster import models as rm
from zhurnal.plugins.roster.demo import (ADULT_MEN, ADULT_WOMEN, BOYS, GIRLS, STREETS, SURNAMES, year_calendar)

from . import school as shape
from .writer import Table

SCHOOL_ID = YEAR_ID = 1
ADMIN_ID, DIRECTOR_ID = 1, 2
NOW = "2026-08-25 09:00:00"
PATRONYMIC = {
    "Сергей": "Сергеевич", "Андрей": "Андреевич", "Алексей": "Алексеевич", "Дмитрий": "Дмитриевич",
    "Александр": "Александрович", "Михаил": "Михайлович", "Игорь": "Игоревич", "Олег": "Олегович",
    "Евгений": "Евгеньевич", "Павел": "Павлович", "Николай": "Николаевич", "Владимир": "Владимирович",
    "Виктор": "Викторович", "Юрий": "Юрьевич"}


def patronymic(father: str, female: bool) -> str:
    base = PATRONYMIC[father]
    return base[:-2] + "на" if female else base


def teacher_user_id(t: int) -> int:
    return 3 + t


def _user(uid, login, name, pw_hash, school=SCHOOL_ID):
    return (uid, login, pw_hash, name, None, None, school, None, 1, None, None, 0, None, 0, 0, None, NOW)


def tables() -> dict[str, Table]:
    """Every table the generator writes, checked against its model (see :class:`bench.writer.Table`)."""
    return {
        "school": Table(School, ["id", "name", "short_name", "disabled_plugins", "created_at"]),
        "user": Table(User, ["id", "login", "password_hash", "display_name", "email", "phone", "school", "locale",
                             "is_active", "blocked_reason", "locked_until", "failed_logins", "last_failed_at",
                             "must_change_password", "session_epoch", "last_login_at", "created_at"]),
        "role": Table(RoleAssignment, ["user", "role", "school", "scope_type", "scope_id", "created_at"]),
        "year": Table(rm.AcademicYear, ["id", "school", "name", "start", "end", "period_kind"]),
        "period": Table(rm.Period, ["id", "year", "number", "name", "start", "end", "closed_at", "closed_by"]),
        "holiday": Table(rm.Holiday, ["year", "name", "start", "end"]),
        "subject": Table(rm.Subject, ["id", "school", "name", "short_name"]),
        "class": Table(rm.SchoolClass, ["id", "school", "year", "parallel", "letter", "class_teacher", "room"]),
        "student": Table(rm.Student, ["id", "school", "school_class", "last_name", "first_name", "middle_name",
                                      "birth_date", "gender", "address", "phone", "email", "individual_plan",
                                      "user", "left_at", "version", "created_at"]),
        "guardian": Table(rm.Guardian, ["id", "school", "last_name", "first_name", "middle_name", "phone", "email",
                                        "user", "version", "created_at"]),
        "link": Table(rm.StudentGuardian, ["student", "guardian", "relation"]),
        "group": Table(rm.StudyGroup, ["id", "school", "year", "name", "kind", "subject", "school_class", "parallel"]),
        "member": Table(rm.GroupMember, ["group", "student"]),
        "teaching": Table(rm.TeachingAssignment, ["school", "year", "teacher", "subject", "school_class", "group"]),
        "bell": Table(jm.BellTime, ["school", "number", "start", "end"]),
        "scale": Table(jm.MarkScale, ["id", "school", "code", "name", "values", "numeric", "is_default"]),
        "kind": Table(jm.WorkKind, ["id", "school", "code", "name", "weight"]),
        "timetable": Table(jm.TimetableEntry, ["id", "school", "year", "weekday", "number", "subject", "teacher",
                                               "school_class", "group", "room", "valid_from", "valid_to"]),
        "lesson": Table(jm.Lesson, ["id", "school", "period", "date", "number", "subject", "teacher", "school_class",
                                    "group", "topic", "homework", "homework_links", "homework_due", "is_control",
                                    "control_title", "cancelled", "timetable_entry", "version", "updated_at"]),
        "mark": Table(jm.Mark, ["id", "lesson", "student", "value", "numeric", "kind", "weight", "comment",
                                "teacher", "created_at", "updated_at", "version"]),
        "attendance": Table(jm.Attendance, ["id", "lesson", "student", "status", "reason", "justified_by",
                                            "status_before", "updated_by", "updated_at", "version"]),
        "term": Table(jm.TermMark, ["student", "subject", "year", "period", "value", "average", "set_by",
                                    "set_at", "version"]),
        "remark": Table(jm.Remark, ["student", "teacher", "lesson", "subject", "date", "kind", "text", "created_at"]),
    }


def _fio(rng: random.Random, female: bool) -> tuple[str, str, str]:
    sm, sf = rng.choice(SURNAMES)
    first = rng.choice(ADULT_WOMEN if female else ADULT_MEN)
    return (sf if female else sm), first, patronymic(rng.choice(ADULT_MEN), female)


def _phone(rng: random.Random) -> str:
    return f"+7 9{rng.randint(10, 99)} {rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}"


# --- the school's structure -------------------------------------------------------------------------

def build_structure(w, plan: shape.School, year_start: dt.date, until: dt.date, rng: random.Random) -> dict:
    """School, staff accounts, year, periods, holidays, subjects, classes, bells, scale, work kinds."""
    T = tables()
    y = year_start.year
    quarters, hols = year_calendar(y)
    w.insert(T["school"], [(SCHOOL_ID, "Муниципальное автономное общеобразовательное учреждение «Лицей № 44» г. Твери",
                            "МАОУ Лицей № 44", "", NOW)])
    staff = [_user(ADMIN_ID, "bench_admin", "Системный администратор", None, None),
             _user(DIRECTOR_ID, "bench_director", "Смирнова Елена Викторовна", None)]
    for t, what in enumerate(plan.teachers):
        female = rng.random() < 0.8
        last, first, middle = _fio(rng, female)
        staff.append(_user(teacher_user_id(t), f"bench_t{t + 1:03d}", f"{last} {first} {middle}", None))
    # the password hash is filled in by build_people (one hash for all)
    periods = [(i, YEAR_ID, i, f"{i} четверть", a.isoformat(), b.isoformat(), None, None)
               for i, (a, b) in enumerate(quarters, 1)]
    subjects = {name: i for i, name in enumerate(shape.SUBJECTS, 1)}
    classes = [(c.index + 1, SCHOOL_ID, YEAR_ID, c.parallel, c.letter, teacher_user_id(c.class_teacher),
                str(100 + c.index)) for c in plan.classes]
    return {"staff": staff, "quarters": quarters, "holidays": hols, "subjects": subjects,
            "year_row": (YEAR_ID, SCHOOL_ID, f"{y}/{y + 1}", year_start.isoformat(), dt.date(y + 1, 5, 31).isoformat(),
                         "quarters"),
            "periods": periods, "classes": classes, "year_start": year_start, "until": until}


# --- people: students, guardians, accounts, groups, teaching -----------------------------------------

def build_people(w, plan: shape.School, st: dict, pw_hash: str, rng: random.Random) -> dict:
    T = tables()
    staff = [u[:2] + (pw_hash,) + u[3:] for u in st["staff"]]
    y = st["year_start"].year
    # students, alphabetical within each class (the order of the class list on paper)
    students: list[tuple] = []
    ability: list[float] = []
    fathers: list[str] = []
    class_students: dict[int, list[int]] = {}
    sid = 0
    for c in plan.classes:
        names = []
        used = set()
        for _ in range(c.size):
            female = rng.random() < 0.5
            while True:
                sm, sf = rng.choice(SURNAMES)
                first = rng.choice(GIRLS if female else BOYS)
                if (sm, first) not in used or len(used) > 600:
                    used.add((sm, first))
                    break
            father = rng.choice(ADULT_MEN)
            names.append((sf if female else sm, first, patronymic(father, female), female, sm, father))
        names.sort()
        ids = []
        for last, first, middle, female, sm, father in names:
            sid += 1
            birth = dt.date(y - c.parallel - 6, 1, 1) + dt.timedelta(days=rng.randrange(365))
            students.append((sid, SCHOOL_ID, c.index + 1, last, first, middle, birth.isoformat(),
                             "f" if female else "m",
                             f"г. Тверь, {rng.choice(STREETS)}, д. {rng.randint(1, 80)}, кв. {rng.randint(1, 120)}",
                             "", "", 0, None, None, 1, NOW))
            ability.append(rng.uniform(2.9, 4.8))
            fathers.append(father)
            ids.append(sid)
        class_students[c.index + 1] = ids
    # guardians: a mother for everyone, a father for 60%; accounts for the mothers of the
    # benchmark classes and for a quarter of the others
    by_name = {(c.parallel, c.letter): c.index + 1 for c in plan.classes}
    bench_classes = {by_name.get(shape.BIG_CLASS), by_name.get(shape.SMALL_CLASS)}
    guardians, links, parent_users, roles = [], [], [], []
    first_parent_uid = len(staff) + 1
    parents_of: dict[int, str] = {}   # student id -> parent login (mothers with accounts)
    gid = 0
    for s in students:
        sid, cls_id, last = s[0], s[2], s[3]
        family_m = next((m for m, f in SURNAMES if last in (m, f)), last)
        family_f = next((f for m, f in SURNAMES if last in (m, f)), last)
        gid += 1
        mother = (gid, SCHOOL_ID, family_f, rng.choice(ADULT_WOMEN), patronymic(rng.choice(ADULT_MEN), True),
                  _phone(rng), f"mother{sid}@example.ru")
        uid = None
        if cls_id in bench_classes or rng.random() < 0.25:
            uid = first_parent_uid + len(parent_users)
            login = f"bench_parent{len(parent_users) + 1}"
            parent_users.append((uid, login, pw_hash, f"{mother[2]} {mother[3]} {mother[4]}", mother[6], mother[5],
                                 SCHOOL_ID, None, 1, None, None, 0, None, 0, 0, None, NOW))
            roles.append((uid, "parent", SCHOOL_ID, "student", sid, NOW))
            parents_of[sid] = login
        guardians.append(mother + (uid, 1, NOW))
        links.append((sid, gid, "mother"))
        if rng.random() < 0.6:
            gid += 1
            guardians.append((gid, SCHOOL_ID, family_m, fathers[sid - 1],
                              patronymic(rng.choice(ADULT_MEN), False), _phone(rng), "", None, 1, NOW))
            links.append((sid, gid, "father"))
    # roles of the staff
    roles += [(ADMIN_ID, "admin", None, "deployment", None, NOW),
              (DIRECTOR_ID, "director", SCHOOL_ID, "school", SCHOOL_ID, NOW)]
    for t in range(len(plan.teachers)):
        roles.append((teacher_user_id(t), "teacher", SCHOOL_ID, "school", SCHOOL_ID, NOW))
    for c in plan.classes:
        roles.append((teacher_user_id(c.class_teacher), "class_teacher", SCHOOL_ID, "class", c.index + 1, NOW))
    # split groups: the two halves of a class's list
    groups, members = [], []
    group_of: dict[tuple[int, str, int], int] = {}
    group_students: dict[int, list[int]] = {}
    for tch in plan.teachings:
        if tch.group is None:
            continue
        key = (tch.class_index, tch.subject, tch.group)
        if key in group_of:
            continue
        cid = tch.class_index + 1
        lst = class_students[cid]
        half = len(lst) // 2
        part = lst[:half] if tch.group == 1 else lst[half:]
        group_id = len(groups) + 1
        cname = plan.classes[tch.class_index].name
        groups.append((group_id, SCHOOL_ID, YEAR_ID, f"{cname} {tch.subject.split()[0].lower()}, группа {tch.group}",
                       "split", st["subjects"][tch.subject], cid, None))
        members += [(group_id, s) for s in part]
        group_of[key] = group_id
        group_students[group_id] = part
    teaching = []
    seen = set()
    for tch in plan.teachings:
        grp = group_of.get((tch.class_index, tch.subject, tch.group)) if tch.group else None
        row = (SCHOOL_ID, YEAR_ID, teacher_user_id(tch.teacher), st["subjects"][tch.subject],
               None if grp else tch.class_index + 1, grp)
        if row not in seen:
            seen.add(row)
            teaching.append(row)

    w.insert(T["user"], staff + parent_users)
    w.insert(T["year"], [st["year_row"]])
    w.insert(T["period"], st["periods"])
    w.insert(T["holiday"], [(YEAR_ID, n, a.isoformat(), b.isoformat()) for n, a, b in st["holidays"]])
    w.insert(T["subject"], [(i, SCHOOL_ID, n, shape.SUBJECTS[n]) for n, i in st["subjects"].items()])
    w.insert(T["class"], st["classes"])
    w.insert(T["student"], students)
    w.insert(T["guardian"], guardians)
    w.insert(T["link"], links)
    w.insert(T["group"], groups)
    w.insert(T["member"], members)
    w.insert(T["teaching"], teaching)
    w.insert(T["role"], roles)

    big, small = by_name.get(shape.BIG_CLASS), by_name.get(shape.SMALL_CLASS)
    bench = {"school_id": SCHOOL_ID, "year_id": YEAR_ID, "class_big": big, "class_small": small,
             "class_big_size": len(class_students.get(big, [])), "class_small_size": len(class_students.get(small, [])),
             "admin": "bench_admin", "director": "bench_director"}
    if big:
        big_cls = plan.classes[big - 1]
        bench["class_big_name"] = big_cls.name
        bench["class_big_teacher"] = f"bench_t{big_cls.class_teacher + 1:03d}"
    if small:
        bench["class_small_name"] = plan.classes[small - 1].name
    return {"students": students, "ability": ability, "class_students": class_students,
            "group_of": group_of, "group_students": group_students, "parents_of": parents_of, "bench": bench}
