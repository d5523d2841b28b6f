"""Demo data of the roster: a Russian basic school's 5th and 6th grades with families and staff."""
from __future__ import annotations

import datetime as dt

from zhurnal.core import access
from zhurnal.core.demo import DemoContext, school_year_start

from . import service
from .models import GroupMember, Guardian, Student, StudentGuardian

SURNAMES = [  # (male, female)
    ("Иванов", "Иванова"), ("Смирнов", "Смирнова"), ("Кузнецов", "Кузнецова"), ("Попов", "Попова"),
    ("Васильев", "Васильева"), ("Петров", "Петрова"), ("Соколов", "Соколова"), ("Михайлов", "Михайлова"),
    ("Новиков", "Новикова"), ("Фёдоров", "Фёдорова"), ("Морозов", "Морозова"), ("Волков", "Волкова"),
    ("Алексеев", "Алексеева"), ("Лебедев", "Лебедева"), ("Семёнов", "Семёнова"), ("Егоров", "Егорова"),
    ("Павлов", "Павлова"), ("Козлов", "Козлова"), ("Степанов", "Степанова"), ("Николаев", "Николаева"),
    ("Орлов", "Орлова"), ("Андреев", "Андреева"), ("Макаров", "Макарова"), ("Никитин", "Никитина"),
    ("Захаров", "Захарова"), ("Зайцев", "Зайцева"), ("Соловьёв", "Соловьёва"), ("Борисов", "Борисова"),
    ("Яковлев", "Яковлева"), ("Григорьев", "Григорьева"), ("Романов", "Романова"), ("Воробьёв", "Воробьёва"),
    ("Сергеев", "Сергеева"), ("Кириллов", "Кириллова"), ("Белов", "Белова"), ("Тарасов", "Тарасова"),
    ("Беляев", "Беляева"), ("Комаров", "Комарова"), ("Жуков", "Жукова"), ("Киселёв", "Киселёва"),
]
BOYS = ["Александр", "Максим", "Михаил", "Артём", "Иван", "Дмитрий", "Даниил", "Кирилл", "Матвей", "Тимофей",
        "Егор", "Никита", "Андрей", "Илья", "Алексей", "Роман", "Сергей", "Владимир", "Ярослав", "Фёдор"]
GIRLS = ["София", "Анна", "Мария", "Алиса", "Виктория", "Полина", "Елизавета", "Варвара", "Александра",
         "Дарья", "Ксения", "Вероника", "Екатерина", "Арина", "Василиса", "Ульяна", "Милана", "Таисия", "Ева", "Кира"]
ADULT_MEN = ["Сергей", "Андрей", "Алексей", "Дмитрий", "Александр", "Михаил", "Игорь", "Олег", "Евгений",
             "Павел", "Николай", "Владимир", "Виктор", "Юрий"]
ADULT_WOMEN = ["Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана", "Екатерина", "Анна", "Юлия",
               "Марина", "Мария", "Анастасия", "Людмила", "Галина"]
STREETS = ["ул. Советская", "пр-т Чайковского", "ул. Радищева", "Смоленский пер.", "ул. Вагжанова",
           "ул. Трёхсвятская", "Тверской пр-т", "ул. Горького", "ул. Спартака", "б-р Радищева"]

SUBJECTS = [
    ("Русский язык", "Рус. яз."), ("Литература", "Лит."), ("Математика", "Матем."),
    ("Английский язык", "Англ. яз."), ("История", "Ист."), ("Обществознание", "Общ."),
    ("География", "Геогр."), ("Биология", "Биол."), ("Музыка", "Муз."),
    ("Изобразительное искусство", "ИЗО"), ("Труд (технология)", "Труд"), ("Физическая культура", "Физ-ра"),
    ("ОДНКНР", "ОДНКНР"),
]


def _patronymic(father: str, female: bool) -> str:
    base = {
        "Сергей": "Сергеевич", "Андрей": "Андреевич", "Алексей": "Алексеевич", "Дмитрий": "Дмитриевич",
        "Александр": "Александрович", "Михаил": "Михайлович", "Игорь": "Игоревич", "Олег": "Олегович",
        "Евгений": "Евгеньевич", "Павел": "Павлович", "Николай": "Николаевич", "Владимир": "Владимирович",
        "Виктор": "Викторович", "Юрий": "Юрьевич"}[father]
    return base[:-2] + "на" if female else base


def year_calendar(y: int):
    """Quarter dates and holidays of the school year starting 1 Sep ``y`` (a typical Russian calendar)."""
    d = dt.date
    quarters = [(d(y, 9, 1), d(y, 10, 24)), (d(y, 11, 5), d(y, 12, 28)),
                (d(y + 1, 1, 12), d(y + 1, 3, 20)), (d(y + 1, 3, 30), d(y + 1, 5, 26))]
    holidays = [("Осенние каникулы", d(y, 10, 25), d(y, 11, 4)),
                ("Зимние каникулы", d(y, 12, 29), d(y + 1, 1, 11)),
                ("День защитника Отечества", d(y + 1, 2, 23), d(y + 1, 2, 23)),
                ("Международный женский день", d(y + 1, 3, 8), d(y + 1, 3, 9)),
                ("Весенние каникулы", d(y + 1, 3, 21), d(y + 1, 3, 29)),
                ("Праздник Весны и Труда", d(y + 1, 5, 1), d(y + 1, 5, 1)),
                ("День Победы", d(y + 1, 5, 9), d(y + 1, 5, 11))]
    return quarters, holidays


def seed(ctx: DemoContext) -> None:
    rng, school = ctx.rng, ctx.school
    start = school_year_start(ctx.today)
    quarters, hols = year_calendar(start.year)
    year = service.create_year(school, f"{start.year}/{start.year + 1}", start, dt.date(start.year + 1, 5, 31),
                               "quarters", quarters)
    from .models import Holiday
    for name, a, b in hols:
        Holiday.create(year=year, name=name, start=a, end=b)
    subjects = {n: service.add_subject(school, n, s) for n, s in SUBJECTS}

    def teacher(login, name, desc=None):
        u = ctx.account(login, name, "teacher", description=desc)
        return u

    t_math = teacher("teacher", "Соколова Марина Сергеевна",
                     "teacher: mathematics in 5А, 5Б, 6А, 6Б and an individual plan in 6Б")
    t_rus5 = teacher("klass5a", "Иванова Ольга Николаевна", "class teacher of 5А, Russian and literature in 5А")
    t_hist = teacher("klass6b", "Морозов Дмитрий Алексеевич", "class teacher of 6Б, history and social studies")
    t_rus6 = teacher("petrova", "Петрова Наталья Владимировна")
    t_eng1 = teacher("english1", "Лебедева Анна Игоревна")
    t_eng2 = teacher("english2", "Григорьев Павел Олегович")
    t_pe = teacher("fizruk", "Фёдоров Игорь Викторович", "PE teacher")
    t_bio = teacher("belova", "Белова Светлана Юрьевна")
    t_art = teacher("komarova", "Комарова Людмила Павловна")
    t_tech = teacher("zhukov", "Жуков Виктор Николаевич")
    t_tech_g = teacher("kiseleva", "Киселёва Галина Михайловна")
    t_5b = teacher("klass5b", "Орлова Екатерина Андреевна")
    t_6a = teacher("klass6a", "Тарасов Евгений Павлович")

    parallels = [(5, "А", t_rus5), (5, "Б", t_5b), (6, "А", t_6a), (6, "Б", t_hist)]
    classes = {}
    for par, letter, ct in parallels:
        classes[f"{par}{letter}"] = service.create_class(school, year, par, letter, class_teacher=ct)

    # -- students and families --------------------------------------------------------------
    students: dict[str, list[Student]] = {}
    used = set()
    for cname, cls in classes.items():
        students[cname] = []
        birth_year = start.year - cls.parallel - 6
        for i in range(ctx.students_per_class):
            female = rng.random() < 0.5
            while True:
                sm, sf = rng.choice(SURNAMES)
                first = rng.choice(GIRLS if female else BOYS)
                key = (sm, first)
                if key not in used:
                    used.add(key)
                    break
            father = rng.choice(ADULT_MEN)
            st = Student.create(school=school, school_class=cls, last_name=sf if female else sm, first_name=first,
                                middle_name=_patronymic(father, female),
                                birth_date=dt.date(birth_year, 1, 1) + dt.timedelta(days=rng.randrange(365)),
                                gender="f" if female else "m",
                                address=f"г. Тверь, {rng.choice(STREETS)}, д. {rng.randint(1, 80)}, кв. {rng.randint(1, 120)}")
            mother = Guardian.create(school=school, last_name=sf, first_name=rng.choice(ADULT_WOMEN),
                                     middle_name=_patronymic(rng.choice(ADULT_MEN), True),
                                     phone=f"+7 9{rng.randint(10, 99)} {rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}",
                                     email=f"parent{cls.id}{i}@example.ru")
            StudentGuardian.create(student=st, guardian=mother, relation="mother")
            if rng.random() < 0.6:
                dad = Guardian.create(school=school, last_name=sm, first_name=father,
                                      middle_name=_patronymic(rng.choice(ADULT_MEN), False),
                                      phone=f"+7 9{rng.randint(10, 99)} {rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}")
                StudentGuardian.create(student=st, guardian=dad, relation="father")
            students[cname].append(st)
    # class lists are alphabetical, as on paper
    for cname in students:
        students[cname].sort(key=lambda s: (s.last_name, s.first_name))

    # parent1: mother of student1 (5А) and of a child in 6Б (siblings); parent2: mother of another 5А child
    s1 = students["5А"][0]
    sib = students["6Б"][0]
    p1_guardian = StudentGuardian.get((StudentGuardian.student == s1) & (StudentGuardian.relation == "mother")).guardian
    # the sibling takes the family name in the right gender form
    fam_m = next((m for m, f in SURNAMES if s1.last_name in (m, f)), None)
    fam_f = next((f for m, f in SURNAMES if s1.last_name in (m, f)), None)
    sib_last = fam_f if sib.gender == "f" else fam_m
    Student.update(last_name=sib_last).where(Student.id == sib.id).execute()
    sib.last_name = sib_last
    StudentGuardian.delete().where(StudentGuardian.student == sib).execute()
    for link in StudentGuardian.select().where(StudentGuardian.student == s1):
        StudentGuardian.create(student=sib, guardian=link.guardian, relation=link.relation)
    students["6Б"].sort(key=lambda s: (s.last_name, s.first_name))

    p1 = ctx.account("parent1", p1_guardian.full_name, description=f"parent of {s1.short_name} (5А) and {sib.short_name} (6Б)")
    # parent1 and parent2 get mail (to the «Исходящие» page while no mail server is set up)
    Guardian.update(user=p1, email="parent1@example.ru").where(Guardian.id == p1_guardian.id).execute()
    for child in (s1, sib):
        access.grant(p1, "parent", school=school, scope_type="student", scope_id=child.id)
    s2 = next(s for s in students["5А"][1:] if s.last_name[:4] != s1.last_name[:4])
    p2_guardian = StudentGuardian.get((StudentGuardian.student == s2) & (StudentGuardian.relation == "mother")).guardian
    p2 = ctx.account("parent2", p2_guardian.full_name, description=f"parent of {s2.short_name} (5А)")
    Guardian.update(user=p2, email="parent2@example.ru").where(Guardian.id == p2_guardian.id).execute()
    access.grant(p2, "parent", school=school, scope_type="student", scope_id=s2.id)
    su = ctx.account("student1", s1.full_name, description=f"student {s1.short_name} (5А), child of parent1")
    Student.update(user=su).where(Student.id == s1.id).execute()
    access.grant(su, "student", school=school, scope_type="student", scope_id=s1.id)

    # a 6Б student on an individual plan (home schooling)
    home = students["6Б"][-1]
    Student.update(individual_plan=True).where(Student.id == home.id).execute()

    # -- study groups ---------------------------------------------------------------------------
    groups = {}
    for cname, cls in classes.items():
        lst = students[cname]
        half = len(lst) // 2
        g1 = service.create_group(school, year, f"{cname} английский, группа 1", "split", subject=subjects["Английский язык"],
                                  school_class=cls, student_ids=[s.id for s in lst[:half]])
        g2 = service.create_group(school, year, f"{cname} английский, группа 2", "split", subject=subjects["Английский язык"],
                                  school_class=cls, student_ids=[s.id for s in lst[half:]])
        boys = [s.id for s in lst if s.gender == "m"]
        girls = [s.id for s in lst if s.gender == "f"]
        gb = service.create_group(school, year, f"{cname} труд, мальчики", "split", subject=subjects["Труд (технология)"],
                                  school_class=cls, student_ids=boys)
        gg = service.create_group(school, year, f"{cname} труд, девочки", "split", subject=subjects["Труд (технология)"],
                                  school_class=cls, student_ids=girls)
        groups[cname] = {"english1": g1, "english2": g2, "tech_boys": gb, "tech_girls": gg}
        service.assign_teaching(t_eng1, subjects["Английский язык"], group=g1)
        service.assign_teaching(t_eng2, subjects["Английский язык"], group=g2)
        service.assign_teaching(t_tech, subjects["Труд (технология)"], group=gb)
        service.assign_teaching(t_tech_g, subjects["Труд (технология)"], group=gg)
    # an elective stream gathering the 6th parallel
    stream_ids = [s.id for s in students["6А"][:6]] + [s.id for s in students["6Б"][:6]]
    stream = service.create_group(school, year, "Финансовая грамотность (6 классы)", "stream",
                                  subject=subjects["Обществознание"], parallel=6, student_ids=stream_ids)
    service.assign_teaching(t_hist, subjects["Обществознание"], group=stream)
    individual = service.create_group(school, year, f"Индивидуальный план: {home.short_name}", "individual",
                                      subject=subjects["Математика"], school_class=classes["6Б"], student_ids=[home.id])
    service.assign_teaching(t_math, subjects["Математика"], group=individual)

    # -- whole-class teaching ----------------------------------------------------------------------
    for cname, cls in classes.items():
        six = cls.parallel == 6
        service.assign_teaching(t_math, subjects["Математика"], school_class=cls)
        rus = t_rus5 if cname == "5А" else t_rus6
        service.assign_teaching(rus, subjects["Русский язык"], school_class=cls)
        service.assign_teaching(rus, subjects["Литература"], school_class=cls)
        service.assign_teaching(t_hist, subjects["История"], school_class=cls)
        if six:
            service.assign_teaching(t_hist, subjects["Обществознание"], school_class=cls)
        service.assign_teaching(t_bio, subjects["Биология"], school_class=cls)
        service.assign_teaching(t_bio, subjects["География"], school_class=cls)
        service.assign_teaching(t_art, subjects["Музыка"], school_class=cls)
        service.assign_teaching(t_art, subjects["Изобразительное искусство"], school_class=cls)
        service.assign_teaching(t_pe, subjects["Физическая культура"], school_class=cls)
        if not six:
            service.assign_teaching(t_rus5 if cname == "5А" else t_rus6, subjects["ОДНКНР"], school_class=cls)

    ctx.data["roster"] = {
        "year": year, "periods": service.periods(year), "classes": classes, "subjects": subjects,
        "students": students, "groups": groups, "stream": stream, "individual": individual,
        "teachers": {"teacher": t_math, "klass5a": t_rus5, "klass6b": t_hist, "petrova": t_rus6,
                     "english1": t_eng1, "english2": t_eng2, "fizruk": t_pe, "belova": t_bio,
                     "komarova": t_art, "zhukov": t_tech, "kiseleva": t_tech_g, "klass5b": t_5b, "klass6a": t_6a},
        "parent1": p1, "parent2": p2, "student1": su, "student1_record": s1, "sibling": sib, "parent2_child": s2,
    }
    n = sum(len(v) for v in students.values())
    ctx.summary.append(f"roster: year {year.name}, classes {', '.join(classes)}, {n} students, "
                       f"{Guardian.select().where(Guardian.school == school).count()} guardians, "
                       f"{GroupMember.select().count()} group places")
