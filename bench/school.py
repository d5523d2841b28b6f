"""The shape of the benchmark school: curriculum, classes, teachers and the weekly timetable.

Pure data and planning, no database: :mod:`bench.generate` turns a :class:`School`
into rows. Everything is drawn from one seeded random generator, so the same
size gives the same school (and the same benchmark targets) on every run.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

#: subject -> short name (the school's subject list)
SUBJECTS = {
    "Русский язык": "Рус. яз.", "Литературное чтение": "Лит. чт.", "Литература": "Лит.",
    "Английский язык": "Англ. яз.", "Математика": "Матем.", "Алгебра": "Алг.", "Геометрия": "Геом.",
    "Вероятность и статистика": "ВиС", "Информатика": "Информ.", "Окружающий мир": "Окр. мир",
    "История": "Ист.", "Обществознание": "Общ.", "География": "Геогр.", "Биология": "Биол.",
    "Физика": "Физ.", "Химия": "Хим.", "Музыка": "Муз.", "Изобразительное искусство": "ИЗО",
    "Труд (технология)": "Труд", "Физическая культура": "Физ-ра", "ОРКСЭ": "ОРКСЭ", "ОДНКНР": "ОДНКНР",
    "Основы безопасности и защиты Родины": "ОБЗР", "Индивидуальный проект": "Инд. пр.",
}

#: subjects taught in split groups (two halves of a class, each with its own teacher)
SPLIT = {"Английский язык"}
#: subjects the primary-school class teacher teaches in their own class
PRIMARY_OWN = {"Русский язык", "Литературное чтение", "Математика", "Окружающий мир",
               "Изобразительное искусство", "Труд (технология)", "ОРКСЭ"}


def curriculum(parallel: int) -> dict[str, int]:
    """Weekly hours per subject in a parallel (a typical ФГОС plan, five-day week)."""
    if parallel == 1:
        return {"Русский язык": 5, "Литературное чтение": 4, "Математика": 4, "Окружающий мир": 2,
                "Музыка": 1, "Изобразительное искусство": 1, "Труд (технология)": 1, "Физическая культура": 3}
    if parallel <= 4:
        plan = {"Русский язык": 5, "Литературное чтение": 4 if parallel < 4 else 3, "Английский язык": 2,
                "Математика": 4, "Окружающий мир": 2, "Музыка": 1, "Изобразительное искусство": 1,
                "Труд (технология)": 1, "Физическая культура": 2}
        if parallel == 4:
            plan["ОРКСЭ"] = 1
        return plan
    if parallel <= 6:
        plan = {"Русский язык": 5 if parallel == 5 else 6, "Литература": 3, "Английский язык": 3, "Математика": 5,
                "История": 2, "География": 1, "Биология": 1, "Музыка": 1, "Изобразительное искусство": 1,
                "Труд (технология)": 2, "Физическая культура": 2}
        plan["ОДНКНР" if parallel == 5 else "Обществознание"] = 1
        return plan
    if parallel <= 9:
        plan = {"Русский язык": {7: 4, 8: 3, 9: 3}[parallel], "Литература": 2 if parallel < 9 else 3,
                "Английский язык": 3, "Алгебра": 3, "Геометрия": 2, "Вероятность и статистика": 1,
                "Информатика": 1, "История": 2, "Обществознание": 1, "География": 2,
                "Биология": 1 if parallel == 7 else 2,
                "Физика": 2 if parallel < 9 else 3, "Труд (технология)": 2 if parallel == 7 else 1,
                "Физическая культура": 2}
        if parallel >= 8:
            plan["Химия"] = 2
            plan["Основы безопасности и защиты Родины"] = 1
        if parallel == 7:
            plan["Музыка"] = 1
            plan["Изобразительное искусство"] = 1
        return plan
    return {"Русский язык": 2, "Литература": 3, "Английский язык": 3, "Алгебра": 4, "Геометрия": 3,
            "Вероятность и статистика": 1, "Информатика": 1, "История": 2, "Обществознание": 2, "География": 1,
            "Биология": 1, "Физика": 2, "Химия": 1, "Основы безопасности и защиты Родины": 1,
            "Физическая культура": 2, "Индивидуальный проект": 1}


LETTERS = "АБВГДЕЖ"
#: classes per parallel: 7 + 7 + 7 + 7 + 6 * 7 = 70
CLASSES_PER_PARALLEL = {1: 7, 2: 7, 3: 7, 4: 7, 5: 6, 6: 6, 7: 6, 8: 6, 9: 6, 10: 6, 11: 6}
#: the benchmark's classes: a full one (its journal grid is measured) and a small one in the same
#: parallel taught by the same mathematics teacher (to show query counts do not grow with size)
BIG_CLASS, SMALL_CLASS = (5, "А"), (5, "Е")
#: the largest teaching load a teacher is given before another is hired (hours a week)
MAX_LOAD = 26


@dataclass
class SchoolClass:
    index: int            # 0-based position; the class's id is index + 1
    parallel: int
    letter: str
    size: int
    students: list[int] = field(default_factory=list)   # 0-based student indexes
    class_teacher: int | None = None                     # teacher index

    @property
    def name(self) -> str:
        return f"{self.parallel}{self.letter}"


@dataclass
class Teaching:
    """``teacher`` teaches ``subject`` for ``hours`` a week to a class, or to one split group."""
    teacher: int
    subject: str
    class_index: int
    group: int | None   # None: the whole class; 1 or 2: that half of the class
    hours: int


@dataclass
class Slot:
    """A weekly timetable slot of one class: a teaching on ``weekday`` (1-5), lesson ``number``."""
    teaching: int        # index into School.teachings
    weekday: int
    number: int


@dataclass
class School:
    students_total: int
    classes: list[SchoolClass]
    teachers: list[str]                 # teacher index -> what they teach (for display names)
    teachings: list[Teaching]
    slots: list[Slot]
    rng_seed: int


def plan_classes(students_total: int, n_classes: int, rng: random.Random) -> list[SchoolClass]:
    """70 classes (or the first ``n_classes`` for a tiny school) with ``students_total`` students.

    The big benchmark class has 30 students, the small one 10 (when the school is large
    enough for them); the rest share what is left as evenly as possible.
    """
    layout = [(p, LETTERS[i]) for p, n in CLASSES_PER_PARALLEL.items() for i in range(n)]
    if n_classes < len(layout):
        # a tiny school keeps the two benchmark classes and the first others
        keep = [BIG_CLASS, SMALL_CLASS] if n_classes >= 2 else [BIG_CLASS]
        rest = [c for c in layout if c not in keep][: max(0, n_classes - len(keep))]
        layout = sorted(keep + rest)
    sizes: dict[tuple[int, str], int] = {}
    fixed = {BIG_CLASS: 30, SMALL_CLASS: 10} if students_total >= 30 * len(layout) // 2 else {}
    free = [c for c in layout if c not in fixed]
    left = students_total - sum(fixed.values())
    base, extra = divmod(left, len(free))
    bonus = set(rng.sample(range(len(free)), extra))
    for i, c in enumerate(free):
        sizes[c] = base + (1 if i in bonus else 0)
    sizes.update(fixed)
    out, next_student = [], 0
    for i, (p, letter) in enumerate(layout):
        cls = SchoolClass(i, p, letter, sizes[(p, letter)])
        cls.students = list(range(next_student, next_student + cls.size))
        next_student += cls.size
        out.append(cls)
    return out


def plan_teaching(classes: list[SchoolClass], rng: random.Random) -> tuple[list[str], list[Teaching]]:
    """Hire teachers subject by subject, each up to :data:`MAX_LOAD` hours a week.

    A primary class (1-4) has its own teacher for most subjects, who is also its class
    teacher; music, art and PE, English and every subject in 5-11 go to subject teachers.
    """
    teachers: list[str] = []
    load: list[int] = []
    teachings: list[Teaching] = []

    def hire(what: str) -> int:
        teachers.append(what)
        load.append(0)
        return len(teachers) - 1

    # primary class teachers first
    primary_teacher = {}
    for cls in classes:
        if cls.parallel <= 4:
            t = hire("начальные классы")
            primary_teacher[cls.index] = t
            cls.class_teacher = t
    # subject teachers: per subject, fill one teacher's load, then hire the next
    demand: dict[str, list[tuple[int, int | None, int]]] = {}
    for cls in classes:
        for subject, hours in curriculum(cls.parallel).items():
            if cls.index in primary_teacher and subject in PRIMARY_OWN:
                t = primary_teacher[cls.index]
                teachings.append(Teaching(t, subject, cls.index, None, hours))
                load[t] += hours
                continue
            parts = (1, 2) if subject in SPLIT else (None,)
            for part in parts:
                demand.setdefault(subject, []).append((cls.index, part, hours))
    for subject in SUBJECTS:
        current = None
        for class_index, part, hours in demand.get(subject, []):
            if current is None or load[current] + hours > MAX_LOAD:
                current = hire(subject)
            teachings.append(Teaching(current, subject, class_index, part, hours))
            load[current] += hours
    # the small benchmark class takes mathematics from the big one's teacher
    by_name = {(c.parallel, c.letter): c for c in classes}
    big, small = by_name.get(BIG_CLASS), by_name.get(SMALL_CLASS)
    if big and small:
        math_big = next(t for t in teachings if t.class_index == big.index and t.subject == "Математика")
        for t in teachings:
            if t.class_index == small.index and t.subject == "Математика":
                t.teacher = math_big.teacher
    # class teachers of 5-11: someone teaching the class, preferring those not yet leading one
    leading = {c.class_teacher for c in classes if c.class_teacher is not None}
    for cls in classes:
        if cls.class_teacher is not None:
            continue
        candidates = sorted({t.teacher for t in teachings if t.class_index == cls.index} - leading)
        if not candidates:
            candidates = sorted({t.teacher for t in teachings if t.class_index == cls.index})
        cls.class_teacher = rng.choice(candidates)
        leading.add(cls.class_teacher)
    return teachers, teachings


def plan_timetable(classes: list[SchoolClass], teachings: list[Teaching], rng: random.Random) -> list[Slot]:
    """Spread each class's weekly hours over Monday-Friday, lessons numbered from 1.

    Both halves of a split subject share a slot. Teachers' clashes across classes are not
    avoided: the benchmark measures the journal, not a timetabling solver.
    """
    slots: list[Slot] = []
    for cls in classes:
        mine = [i for i, t in enumerate(teachings) if t.class_index == cls.index]
        # one "unit" per weekly hour; a split subject's halves go together
        units: list[list[int]] = []
        by_subject: dict[str, list[int]] = {}
        for i in mine:
            by_subject.setdefault(teachings[i].subject, []).append(i)
        subjects = sorted(by_subject, key=lambda s: (-teachings[by_subject[s][0]].hours, s))
        for s in subjects:
            for _ in range(teachings[by_subject[s][0]].hours):
                units.append(by_subject[s])
        # deal the units round-robin over the days so a subject is spread over the week
        day_offset = rng.randrange(5)
        per_day: dict[int, list[list[int]]] = {d: [] for d in range(1, 6)}
        for k, unit in enumerate(units):
            per_day[(k + day_offset) % 5 + 1].append(unit)
        for day, day_units in per_day.items():
            rng.shuffle(day_units)
            for number, unit in enumerate(day_units, 1):
                for i in unit:
                    slots.append(Slot(i, day, number))
    return slots


def plan(students_total: int = 2000, n_classes: int = 70, seed: int = 2026) -> School:
    rng = random.Random(seed)
    classes = plan_classes(students_total, n_classes, rng)
    teachers, teachings = plan_teaching(classes, rng)
    slots = plan_timetable(classes, teachings, rng)
    return School(students_total, classes, teachers, teachings, slots, seed)


def school_days(start: dt.date, end: dt.date, periods: list[tuple[dt.date, dt.date]],
                holidays: list[tuple[str, dt.date, dt.date]]) -> list[tuple[dt.date, int]]:
    """(date, period number) of every Monday-Friday school day in a period, skipping holidays."""
    off = set()
    for _name, a, b in holidays:
        d = a
        while d <= b:
            off.add(d)
            d += dt.timedelta(days=1)
    out = []
    for number, (a, b) in enumerate(periods, 1):
        d = max(a, start)
        while d <= min(b, end):
            if d.isoweekday() <= 5 and d not in off:
                out.append((d, number))
            d += dt.timedelta(days=1)
    return out
