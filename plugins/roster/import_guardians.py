"""Guardians in every layout class lists come in.

* columns of one guardian: «ФИО законного представителя» (relation unknown, or from «Кем приходится»),
  or «Фамилия/Имя/Отчество родителя», with phone and e-mail;
* column groups «Мать» / «Отец» / «Законный представитель», each with ФИО and phone;
* several guardians in one cell, or in following lines of the same cell
  («Иванова Мария Петровна (мать) +7 912 345-67-89; Иванов Пётр Ильич, отец, 8-912-345-67-80»);
* one row per person with a role column (pupil / parent), linked by a family code or by a reference
  to the pupil (:func:`link_people`).

Every function returns plain dicts (``last_name``, ``first_name``, ``middle_name``, ``phone``,
``email``) with a relation; problems are ``(column key, BadValue)`` pairs for the report.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from zhurnal.core.i18n import N_
from zhurnal.core.tabular import as_text

from .import_values import (EMAIL_RX, PHONE_IN_TEXT, RELATION_IN, BadValue, check_name, email_value, key,
                            name_value, phone_value, relation_value, split_full_name)

PREFIXES = (("m_", "mother"), ("f_", "father"), ("g_", None))
_REL_WORDS = "|".join(sorted((re.escape(w) for w in RELATION_IN if re.fullmatch(r"[а-я ]+", w)), key=len,
                             reverse=True))
_REL_IN_TEXT = re.compile(rf"(?:^|[\s(,:;-])({_REL_WORDS})(?=$|[\s),:;-])", re.IGNORECASE)


@dataclass
class Person:
    """A guardian as read from one place in the file."""
    data: dict
    relation: str
    column: str  # the column key problems are reported under
    rows: list[int] = field(default_factory=list)
    #: more phones written for this guardian than the one stored (the report names them)
    extra_phones: list[str] = field(default_factory=list)
    extra_column: str = ""


def _entry(text: str) -> dict:
    """One guardian written as free text: name, relation word, phone(s), e-mail."""
    emails = EMAIL_RX.findall(text)
    rest = EMAIL_RX.sub(" ", text)
    phones = [m.group(0) for m in PHONE_IN_TEXT.finditer(rest)]
    rest = PHONE_IN_TEXT.sub(" ", rest)
    relation = ""
    m = _REL_IN_TEXT.search(rest.lower().replace("ё", "е"))
    if m:
        relation = m.group(1)
        rest = rest[:m.start(1)] + " " + rest[m.end(1):]
    rest = re.sub(r"(тел\.?|телефон|моб\.?|e-?mail|почта)\s*:?", " ", rest, flags=re.IGNORECASE)
    name = re.sub(r"[\s,;:()\-–—]+", " ", rest).strip()
    return {"name": name, "phones": phones, "emails": emails, "relation": relation}


def entries_from_cell(value) -> list[dict]:
    """Guardians written in one cell: one per line or per «;», a line with only a phone belongs to the
    guardian above; names separated by commas with nothing else are several guardians."""
    text = as_text(value) if not isinstance(value, str) else value
    out: list[dict] = []
    for line in re.split(r"[\n;]+", text):
        if not line.strip():
            continue
        e = _entry(line)
        if not e["name"] and out:
            out[-1]["phones"] += e["phones"]
            out[-1]["emails"] += e["emails"]
            continue
        parts = [p.strip() for p in line.split(",")]
        if not e["phones"] and not e["emails"] and len(parts) > 1 and all(len(p.split()) >= 2 for p in parts):
            out.extend(_entry(p) for p in parts)
            continue
        out.append(e)
    return out


def _cell(cells: dict, k: str) -> str:
    return cells.get(k, "") if isinstance(cells.get(k, ""), str) else as_text(cells.get(k, ""))


def _names(cells: dict, prefix: str) -> tuple[str, str, str]:
    return tuple(name_value(cells.get(prefix + k, "")) for k in ("last_name", "first_name", "middle_name"))


def guardians_of_row(cells: dict, problems: list) -> list[Person]:
    """The guardians a pupil's row names, in any of the column layouts."""
    out: list[Person] = []
    for prefix, fixed in PREFIXES:
        keys = [prefix + k for k in ("last_name", "first_name", "middle_name", "full_name", "phone", "email")]
        if not any(as_text(cells.get(k, "")).strip() for k in keys):
            if prefix == "g_" and as_text(cells.get("relation", "")).strip():
                problems.append(("relation", BadValue(N_("The guardian's name is missing."))))
            continue
        relation = fixed
        if relation is None:
            try:
                relation = relation_value(cells.get("relation", ""))
            except BadValue as e:
                problems.append(("relation", e))
                relation = "guardian"
        last, first, middle = _names(cells, prefix)
        name_col = prefix + ("last_name" if (prefix + "last_name") in cells else "full_name")
        if last or first:
            entries = [{"name": "", "phones": [], "emails": [], "relation": ""}]
            names = [(last, first, middle)]
        else:
            entries = entries_from_cell(cells.get(prefix + "full_name", ""))
            if fixed is not None:
                entries = entries[:1]
            names = [split_full_name(e["name"]) for e in entries]
            name_col = prefix + "full_name"
        phone_cells = [p for p in re.split(r"[\n;,]+", as_text(cells.get(prefix + "phone", ""))) if p.strip()]
        email_cells = [p for p in re.split(r"[\n;,\s]+", as_text(cells.get(prefix + "email", ""))) if p.strip()]
        split = last or first
        for i, (e, (l, f, m)) in enumerate(zip(entries, names)):
            data = {"last_name": l, "first_name": f, "middle_name": m}
            bad = False
            for k, part, missing in (("last_name", l, N_("The guardian's last name is missing.")),
                                     ("first_name", f, N_("The guardian's first name is missing.")),
                                     ("middle_name", m, None)):
                col = prefix + k if split and (prefix + k) in cells else name_col
                if not part and missing:
                    problems.append((col, BadValue(missing)))
                    bad = True
                    continue
                try:
                    check_name(part)
                except BadValue as err:
                    problems.append((col, err))
                    bad = True
            phones = e["phones"] or phone_cells[i:i + 1] or ([] if i else phone_cells[:1])
            try:
                data["phone"] = phone_value(phones[0]) if phones else ""
            except BadValue as err:
                problems.append((prefix + "phone" if not e["phones"] else name_col, err))
                bad = True
            emails = e["emails"] or email_cells[i:i + 1]
            try:
                data["email"] = email_value(emails[0]) if emails else ""
            except BadValue as err:
                problems.append((prefix + "email" if not e["emails"] else name_col, err))
                bad = True
            rel = relation
            if e["relation"] and fixed is None:
                rel = RELATION_IN.get(e["relation"].lower().replace("ё", "е"), relation)
            if not bad:
                extra = list(e["phones"][1:])
                if len(entries) == 1 and not e["phones"]:
                    extra += phone_cells[1:]
                out.append(Person(data, rel, name_col, extra_phones=[p.strip() for p in extra],
                                  extra_column=name_col if e["phones"] else prefix + "phone"))
    return out


PUPIL_ROLES = {"ученик", "ученица", "обучающийся", "обучающаяся", "учащийся", "учащаяся", "ребенок", "ребёнок",
               "student", "pupil", "child", "воспитанник", "ученик/ученица"}


def is_pupil_role(value) -> bool | None:
    """True for a pupil's row, False for a guardian's, None when the role says nothing known."""
    text = as_text(value).lower().strip(" .")
    if not text:
        return None
    if text in PUPIL_ROLES:
        return True
    if text.replace("ё", "е") in RELATION_IN or text in ("родитель", "законный представитель", "parent", "guardian"):
        return False
    return None


def link_people(pupils: dict[int, dict], guardian_rows: list[tuple[int, dict, Person]], err) -> dict[int, list]:
    """Rows of the role layout: pupil row number -> its guardians.

    ``pupils``: row number -> the pupil row's cells; ``guardian_rows``: (row number, cells, person).
    A guardian row names its pupils by a family code shared with them (``family``) or by the pupil's
    code (``person_id``) or full name in ``child``; ``err(row, key, message, **params)`` reports a row
    that names no pupil of the file.
    """
    by_family: dict[str, list[int]] = {}
    by_id: dict[str, int] = {}
    by_name: dict[tuple, list[int]] = {}
    for no, cells in pupils.items():
        fam = as_text(cells.get("family", "")).strip().lower()
        if fam:
            by_family.setdefault(fam, []).append(no)
        pid = as_text(cells.get("person_id", "")).strip().lower()
        if pid:
            by_id[pid] = no
        full = as_text(cells.get("full_name", "")) or " ".join(
            as_text(cells.get(k, "")) for k in ("last_name", "first_name", "middle_name"))
        by_name.setdefault(key(full), []).append(no)
    out: dict[int, list] = {no: [] for no in pupils}
    for no, cells, person in guardian_rows:
        targets: list[int] = []
        fam = as_text(cells.get("family", "")).strip().lower()
        if fam:
            targets = by_family.get(fam, [])
            if not targets:
                err(no, "family", N_("No pupil of the family «%(value)s» is in the file."), value=fam)
                continue
        else:
            refs = [r.strip() for r in re.split(r"[\n;,]+", as_text(cells.get("child", ""))) if r.strip()]
            if not refs:
                err(no, "child" if "child" in cells else "role",
                    N_("Name the guardian's child: a family code or the pupil's name or code."))
                continue
            for ref in refs:
                found = [by_id[ref.lower()]] if ref.lower() in by_id else by_name.get(key(ref), [])
                if not found:
                    err(no, "child", N_("The pupil «%(value)s» is not in the file."), value=ref)
                targets.extend(found)
        person.rows.append(no)
        for t in targets:
            out[t].append(person)
    return out


def person_of_role_row(cells: dict, problems: list) -> Person | None:
    """The guardian a row of the role layout describes (its own name, phone and e-mail columns)."""
    moved = {"g_" + k: cells.get(k, "") for k in ("last_name", "first_name", "middle_name", "full_name", "phone",
                                                  "email")}
    role = as_text(cells.get("role", "")).lower().replace("ё", "е").strip(" .")
    moved["relation"] = cells.get("relation", "") or (role if role in RELATION_IN else "")
    found: list = []
    people = guardians_of_row(moved, found)
    for k, e in found:  # report under the row's own columns
        problems.append((k[2:] if k.startswith("g_") else k, e))
    if not people:
        return None
    person = people[0]
    person.column = person.column[2:]
    return person
