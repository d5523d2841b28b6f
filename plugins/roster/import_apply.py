"""Checking the rows of a class list against the school and planning what to write.

:class:`Checker` turns every data row into a checked pupil (class, names, birth date, sex,
address, СНИЛС, contacts) with its guardians, collecting every problem; :class:`Planner` matches
pupils and guardians with those already in the school (updated, never duplicated), finds the same
pupil twice in the file, merges one guardian written for several siblings, and hands
:func:`.service.apply_import` a plan that is written all at once or not at all.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from marshmallow import ValidationError

from zhurnal.core import access
from zhurnal.core.i18n import N_
from zhurnal.core.tabular import as_text, parse_date

from . import service
from .import_guardians import Person, guardians_of_row
from .import_headers import TITLE
from .import_values import (BadValue, check_name, digits, email_value, gender_value, key, name_value, phone_value,
                            snils_value, split_full_name)
from .models import Guardian, SchoolClass, Student, StudentGuardian
from .inputs import BAD_BIRTH_DATE, _birth_date


@dataclass
class Row:
    """One checked pupil row."""
    no: int
    school_class: SchoolClass
    student: dict
    guardians: list[Person] = field(default_factory=list)


class Checker:
    """Checks the rows of one class list file against one school."""

    def __init__(self, school, user, report, only_class: SchoolClass | None, titles: dict[str, str]) -> None:
        self.school, self.user, self.report, self.only_class, self.titles = school, user, report, only_class, titles
        self.year = service.current_year(school)
        self.classes = {(c.parallel, c.letter): c for c in
                        SchoolClass.select().where((SchoolClass.school == school.id) &
                                                   (SchoolClass.year == (self.year.id if self.year else 0)))}
        self._may: dict[int, bool] = {}

    def err(self, row: int, k: str | None, message: str, **params) -> None:
        self.report.error(row, self.titles.get(k, TITLE.get(k, k)) if k else None, message, **params)

    def bad(self, row: int, k: str, e: BadValue) -> None:
        self.err(row, k, e.message, **e.params)

    def may_write(self, obj) -> bool:
        if self.user is None:  # the command line: the operator
            return True
        cid = getattr(obj, "school_class_id", None) if isinstance(obj, Student) else obj.id
        if cid not in self._may:
            self._may[cid] = (access.can(self.user, "roster.import", obj) and
                              access.can(self.user, "roster.student.write", obj))
        return self._may[cid]

    def row(self, no: int, cells: dict, *, with_guardians: bool = True) -> Row | None:
        before = len(self.report.errors)
        cls = self._class(no, cells)
        student = self._student(no, cells)
        guardians: list[Person] = []
        if with_guardians:
            problems: list = []
            guardians = guardians_of_row(cells, problems)
            for k, e in problems:
                self.bad(no, k, e)
            for p in guardians:
                p.rows.append(no)
                if p.extra_phones:
                    self.report.note(no, self.titles.get(p.extra_column, TITLE.get(p.extra_column)),
                                     N_("One phone is stored for %(name)s; %(value)s is not."),
                                     name=" ".join(x for x in (p.data["last_name"], p.data["first_name"]) if x),
                                     value=", ".join(p.extra_phones))
        if len(self.report.errors) > before or cls is None:
            return None
        return Row(no, cls, student, guardians)

    def _class(self, no: int, cells: dict) -> SchoolClass | None:
        raw = as_text(cells.get("class", ""))
        if not raw:
            if self.only_class is not None:
                return self.only_class
            self.err(no, "class", N_("The class is missing; write it like 5А."))
            return None
        parsed = service.parse_class_name(raw)
        if parsed is None:
            self.err(no, "class", N_("«%(value)s» is not a class; write it like 5А."), value=raw)
            return None
        cls = self.classes.get(parsed)
        name = f"{parsed[0]}{parsed[1]}"
        if cls is None:
            self.err(no, "class", N_("There is no class %(value)s in the school year %(year)s."), value=name,
                     year=self.year.name if self.year else "—")
            return None
        if self.only_class is not None and cls.id != self.only_class.id:
            self.err(no, "class", N_("This row is for class %(value)s, but the list is loaded into class %(target)s."),
                     value=name, target=self.only_class.name)
            return None
        if not self.may_write(cls):
            self.err(no, "class", N_("You may not change the list of class %(value)s."), value=name)
            return None
        return cls

    def _names(self, no: int, cells: dict) -> dict:
        last, first, middle = (name_value(cells.get(k, "")) for k in ("last_name", "first_name", "middle_name"))
        col = {k: k for k in ("last_name", "first_name", "middle_name")}
        if not (last or first) and as_text(cells.get("full_name", "")).strip():
            last, first, middle = split_full_name(cells["full_name"])
            col = {k: "full_name" for k in col}
        out = {}
        for k, value, missing in (("last_name", last, N_("The last name is missing.")),
                                  ("first_name", first, N_("The first name is missing.")),
                                  ("middle_name", middle, None)):
            if not value and missing:
                self.err(no, col[k] if col[k] in self.titles else "full_name" if "full_name" in self.titles
                         else col[k], missing)
            try:
                check_name(value)
            except BadValue as e:
                self.bad(no, col[k], e)
            out[k] = value
        return out

    def _student(self, no: int, cells: dict) -> dict:
        data = self._names(no, cells)
        raw = cells.get("birth_date", "")
        data["birth_date"] = None
        if raw != "":
            try:
                data["birth_date"] = parse_date(raw)
                _birth_date(data["birth_date"])
            except ValidationError:
                self.err(no, "birth_date", BAD_BIRTH_DATE)
            except (ValueError, OverflowError):
                self.err(no, "birth_date", N_("«%(value)s» is not a date; write it like 05.03.2015."),
                         value=as_text(raw))
        for k, fn in (("gender", gender_value), ("snils", snils_value), ("phone", phone_value),
                      ("email", email_value)):
            try:
                data[k] = fn(cells.get(k, ""))
            except BadValue as e:
                self.bad(no, k, e)
                data[k] = None if k == "gender" else ""
        data["address"] = " ".join(as_text(cells.get("address", "")).split())
        if len(data["address"]) > 300:
            self.err(no, "address", N_("This is too long."))
        return data


def _same(field_name: str, stored, new) -> bool:
    """A stored value the file repeats: a phone is the same number however it was spelt."""
    if field_name == "phone":
        return digits(stored) == digits(new)
    return stored == new


@dataclass
class _GuardianDraft:
    plan: service.GuardianPlan
    name: tuple
    phone: str
    email: str


class Planner:
    """Turns checked rows into a plan: which pupils and guardians exist, what changes."""

    def __init__(self, school, checker: Checker) -> None:
        self.school, self.checker = school, checker
        self.students: dict[tuple, list[Student]] = {}
        self.by_snils: dict[str, Student] = {}
        for st in Student.select().where((Student.school == school.id) & Student.left_at.is_null()):
            self.students.setdefault(key(st.last_name, st.first_name, st.middle_name), []).append(st)
            if st.snils:
                self.by_snils[st.snils] = st
        self.guardians: dict[tuple, list[Guardian]] = {}
        for gd in Guardian.select().where(Guardian.school == school.id):
            self.guardians.setdefault(key(gd.last_name, gd.first_name, gd.middle_name), []).append(gd)
        self.by_id = {gd.id: gd for gds in self.guardians.values() for gd in gds}
        self.links: dict[int, dict[int, str]] = {}
        for sid, gid, rel in (StudentGuardian.select(StudentGuardian.student, StudentGuardian.guardian,
                                                     StudentGuardian.relation).join(Student)
                              .where(Student.school == school.id).tuples()):
            self.links.setdefault(sid, {})[gid] = rel
        self.plans: dict[tuple, service.StudentPlan] = {}
        self.first: dict[tuple, Row] = {}
        self.snils_rows: dict[str, int] = {}
        self.drafts: list[_GuardianDraft] = []

    def add(self, row: Row) -> None:
        d = row.student
        # the same pupil: same name, birth date and СНИЛС (two namesakes born the same day differ by СНИЛС)
        k = key(d["last_name"], d["first_name"], d["middle_name"], d["birth_date"], d["snils"])
        if d["snils"]:
            first_no, same = self.snils_rows.get(d["snils"]), self.first.get(k)
            if first_no is not None and (same is None or same.no != first_no):
                self.checker.err(row.no, "snils", N_("The same СНИЛС is in row %(first)d."), first=first_no)
                return
            self.snils_rows.setdefault(d["snils"], row.no)
        plan = self.plans.get(k)
        if plan is None:
            existing = self._match(row)
            if existing is False:
                return
            data = dict(d) if existing is None else {
                f: v for f, v in d.items() if v not in ("", None) and not _same(f, getattr(existing, f), v)}
            plan = service.StudentPlan(rows=[row.no], school_class=row.school_class, existing=existing, data=data)
            self.plans[k], self.first[k] = plan, row
        else:
            first = self.first[k]
            new_guardians = [p for p in row.guardians
                             if all(key(*[p.data[f] for f in ("last_name", "first_name", "middle_name")]) !=
                                    key(*[q.data[f] for f in ("last_name", "first_name", "middle_name")])
                                    for q in first.guardians)]
            if not new_guardians:  # not one more guardian of the pupil: the same pupil written twice
                self.checker.err(row.no, "last_name" if "last_name" in self.checker.titles else "full_name",
                                 N_("The same pupil is already in row %(first)d."), first=first.no)
                return
            for f in ("gender", "address", "snils"):
                if d[f] not in ("", None) and first.student[f] not in ("", None) and d[f] != first.student[f]:
                    self.checker.err(row.no, f, N_("The same student is in row %(first)d with another value here."),
                                     first=first.no)
            if row.school_class.id != first.school_class.id:
                self.checker.err(row.no, "class", N_("The same student is in row %(first)d with another class."),
                                 first=first.no)
            first.guardians.extend(new_guardians)
            plan.rows.append(row.no)
        for person in row.guardians:
            gp = self._guardian_plan(plan, person)
            if all(gp is not p for p, _rel in plan.guardians):
                plan.guardians.append((gp, person.relation))

    def _match(self, row: Row):
        """The existing pupil this row is about, None for a new one, False after an error."""
        d = row.student
        if d["snils"] and d["snils"] in self.by_snils:
            cands = [self.by_snils[d["snils"]]]
        else:
            same_name = self.students.get(key(d["last_name"], d["first_name"], d["middle_name"]), [])
            cands = [s for s in same_name if d["birth_date"] is None or s.birth_date in (None, d["birth_date"])]
            if not cands:  # a corrected birth date: the one pupil of that name in the class
                cands = [s for s in same_name if s.school_class_id == row.school_class.id]
            if len(cands) > 1:
                in_class = [s for s in cands if s.school_class_id == row.school_class.id]
                cands = in_class if len(in_class) == 1 else cands
        if len(cands) > 1:
            self.checker.err(row.no, "last_name", N_("Several students of the school are called %(name)s; "
                                                     "give the birth date to tell them apart."),
                             name=cands[0].full_name)
            return False
        if not cands:
            return None
        st = cands[0]
        if st.school_class_id != row.school_class.id and not self.checker.may_write(st):
            current = SchoolClass.get_by_id(st.school_class_id).name if st.school_class_id else "—"
            self.checker.err(row.no, "class", N_("%(name)s is in class %(current)s; only that class's teacher or "
                                                 "the administration can move them."),
                             name=st.full_name, current=current)
            return False
        return st

    def _guardian_plan(self, plan: service.StudentPlan, person: Person) -> service.GuardianPlan:
        d = person.data
        name = key(d["last_name"], d["first_name"], d["middle_name"])
        phone, email = digits(d["phone"]), d["email"]
        # the same person already planned (a sibling's row): same name, contacts that do not contradict
        for draft in self.drafts:
            if draft.name == name and (not phone or not draft.phone or phone == draft.phone) and \
                    (not email or not draft.email or email == draft.email):
                for f in ("phone", "email"):
                    if d[f] and not draft.plan.data.get(f) and (
                            draft.plan.existing is None or not _same(f, getattr(draft.plan.existing, f), d[f])):
                        draft.plan.data[f] = d[f]
                draft.phone, draft.email = draft.phone or phone, draft.email or email
                return draft.plan
        existing = None
        if plan.existing is not None:  # a guardian already linked to this pupil, by name
            linked = self.links.get(plan.existing.id, {})
            existing = next((self.by_id[g] for g in linked if g in self.by_id and
                             key(self.by_id[g].last_name, self.by_id[g].first_name,
                                 self.by_id[g].middle_name) == name), None)
        if existing is None:  # a guardian of the school: same name and phone or e-mail
            same_name = self.guardians.get(name, [])
            existing = next((gd for gd in same_name
                             if (phone and digits(gd.phone) == phone) or (email and gd.email.lower() == email)), None)
            if existing is None:  # or the one namesake whose contacts do not contradict the file's
                fits = [gd for gd in same_name if (not phone or not gd.phone or digits(gd.phone) == phone) and
                        (not email or not gd.email or gd.email.lower() == email)]
                existing = fits[0] if len(fits) == 1 else None
        if existing is None:
            data = dict(d)
        else:
            data = {f: v for f, v in d.items() if v and not _same(f, getattr(existing, f), v)}
        gp = service.GuardianPlan(existing=existing, data=data)
        self.drafts.append(_GuardianDraft(gp, name, phone or (digits(existing.phone) if existing else ""),
                                          email or (existing.email.lower() if existing else "")))
        return gp

    def would_change(self, plan: service.StudentPlan) -> bool:
        if plan.existing is None:
            return False
        if plan.data or plan.school_class.id != plan.existing.school_class_id:
            return True
        linked = self.links.get(plan.existing.id, {})
        return any(gp.existing is None or gp.data or linked.get(gp.existing.id) != rel for gp, rel in plan.guardians)
