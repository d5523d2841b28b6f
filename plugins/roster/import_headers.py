"""Which column of a class list is what: captions in the words schools and other systems use.

A caption is read as *whose* (the pupil, the mother, the father, a guardian) and *what* (last name,
full name, phone...): «Фамилия ребенка», «ФИО законного представителя», «Мать ФИО» (a merged
group over its sub-captions), «Телефон отца», ``lastname``, ``parent_phone``. Keys are
``<what>`` for the pupil and ``<who>_<what>`` for a guardian (``m_`` mother, ``f_`` father, ``g_``
a guardian whose relation a «Кем приходится» column may give). Columns schools keep but Zhurnal
does not store (passport, ОВЗ, links) are recognised as :data:`IGNORE` and listed in the report;
a caption no rule knows is *unknown*: the preview page lets the user map it, and a saved mapping
(:class:`.models.ImportMapping`) is applied first next time.
"""
from __future__ import annotations

import re

from zhurnal.core.tabular import Column, normalize_header

IGNORE = "-"

#: the columns of the export, in order, with the titles written on export and shown in messages
COLUMNS = [
    Column("class", "Класс"), Column("last_name", "Фамилия"), Column("first_name", "Имя"),
    Column("middle_name", "Отчество"), Column("full_name", "ФИО"), Column("birth_date", "Дата рождения"),
    Column("gender", "Пол"), Column("address", "Адрес"), Column("snils", "СНИЛС"),
    Column("phone", "Телефон"), Column("email", "Эл. почта"),
    Column("g_last_name", "Фамилия родителя"), Column("g_first_name", "Имя родителя"),
    Column("g_middle_name", "Отчество родителя"), Column("g_full_name", "ФИО законного представителя"),
    Column("g_phone", "Телефон родителя"), Column("g_email", "Эл. почта родителя"), Column("relation", "Кем приходится"),
    Column("m_full_name", "ФИО матери"), Column("m_last_name", "Фамилия матери"), Column("m_first_name", "Имя матери"),
    Column("m_middle_name", "Отчество матери"), Column("m_phone", "Телефон матери"), Column("m_email", "Эл. почта матери"),
    Column("f_full_name", "ФИО отца"), Column("f_last_name", "Фамилия отца"), Column("f_first_name", "Имя отца"),
    Column("f_middle_name", "Отчество отца"), Column("f_phone", "Телефон отца"), Column("f_email", "Эл. почта отца"),
    Column("role", "Роль"), Column("family", "Семья"), Column("person_id", "Код"), Column("child", "Ребенок"),
]
TITLE = {c.key: c.title for c in COLUMNS}
KEYS = tuple(TITLE)
#: what an export writes, in this order (and what an import of it reads back)
EXPORT_KEYS = ("class", "last_name", "first_name", "middle_name", "birth_date", "gender", "address", "snils",
               "g_last_name", "g_first_name", "g_middle_name", "g_phone", "g_email", "relation")
#: the keys a user may pick for a column on the preview page (with "do not import")
MAPPABLE = tuple(k for k in KEYS)

_WHO = [
    ("m_", re.compile(r"\b(мать|матери|мама|мамы|mother|mom|mum)\b")),
    ("f_", re.compile(r"\b(отец|отца|папа|папы|father|dad)\b")),
    ("g_", re.compile(r"(законн|представител|родител|опекун|попечител|\bparents?\b|guardian|\bрод\.)")),
]
_PUPIL = re.compile(r"(ребенк|ребенок|обучающ|учащ|ученик|ученица|воспитанник|student|pupil|child|\bдет)")
_WHAT = [
    ("relation", re.compile(r"(кем приходится|степень родства|родство|relation|статус представителя|"
                            r"тип представителя|вид родства)")),
    ("birth_date", re.compile(r"(дата рождения|дата рожд|^д\.? ?р$|^др$|birth|^dob$|date of birth|bdate)")),
    ("snils", re.compile(r"(снилс|snils)")),
    ("full_name", re.compile(r"(^|\b)(ф\.? ?и\.? ?о|fio|full ?name|fullname|полное имя|фамилия имя отчество|"
                             r"фамилия и имя)(\b|$)")),
    ("last_name", re.compile(r"(фамилия|last ?name|lastname|surname|family ?name)")),
    ("middle_name", re.compile(r"(отчество|middle ?name|middlename|patronymic|second ?name)")),
    ("first_name", re.compile(r"(^|\b)(имя|first ?name|firstname|given ?name)(\b|$)")),
    ("gender", re.compile(r"^(пол|gender|sex|пол ребенка|пол обучающегося)$")),
    ("class", re.compile(r"^(класс|кл|class|grade|класс обучения|класс/группа|группа|параллель и литера|"
                         r"класс \(литера\)|класс обучающегося|class ?name)$")),
    ("address", re.compile(r"(адрес|address)")),
    ("phone", re.compile(r"(телефон|тел\b|\bтел\.|phone|мобильн|сотов|mobile)")),
    ("email", re.compile(r"(email|e mail|эл почта|электронн|почта|mail)")),
    ("role", re.compile(r"^(роль|role|тип|тип записи|категория|кто|person ?type)$")),
    ("family", re.compile(r"(семья|семьи|family)")),
    ("child", re.compile(r"^(ребенок|child|к кому относится|чей родитель|чей представитель|id ребенка|"
                         r"код ребенка|child ?id|ученик \(для родителей\))$")),
    ("person_id", re.compile(r"^(id|код|person ?id|код записи|идентификатор|uid)$")),
]
_IGNORED = re.compile(r"(паспорт|passport|овз|инвалид|ссылк|link|url|личн\w* дел|гражданств|citizenship|инн\b|"
                      r"полис|медицин|группа здоровья|примечан|comment|note|свидетельств|документ|серия|номер док|"
                      r"^№|^n$|^no$|^п/п$|^№ п/п$|^#$|место рождения|place of birth|дата зачислен|приказ|"
                      r"форма обучения|язык|льгот|место работы|работа|должность|образование)")


def _simplify(caption: str) -> str:
    s = normalize_header(caption)
    s = re.sub(r"[_/]+", " ", s)
    s = re.sub(r"(?<=[a-z])(?=name|phone|mail|date|day)", " ", s)  # lastname -> last name
    s = re.sub(r"[«»\"\(\)\[\]:,;]+", " ", s)
    s = re.sub(r"\s+", " ", s).strip(" .-")
    return s.replace("e-mail", "email")


def recognise(caption: str, saved: dict[str, str] | None = None) -> str | None:
    """The key of a column captioned ``caption``; :data:`IGNORE` for data Zhurnal does not store;
    None when no rule knows it. ``saved``: the school's mapping (normalised caption -> key)."""
    norm = normalize_header(caption)
    if saved and norm in saved:
        return saved[norm] or IGNORE
    s = _simplify(caption)
    if not s:
        return None
    if s in ("birthday", "birthdate", "birth date"):
        return "birth_date"
    if s in ("name",):
        return "full_name"
    if _IGNORED.search(s) and not re.search(r"(телефон|phone|email|почта|снилс)", s):
        return IGNORE
    who = ""
    for prefix, rx in _WHO:
        if rx.search(s):
            who = prefix
            break
    what = None
    for key, rx in _WHAT:
        if rx.search(s):
            what = key
            break
    if what == "relation":
        return "relation"
    if what in ("role", "family", "child", "person_id"):
        return what if not who or what == "family" else None
    if who:
        if what in (None,) and re.fullmatch(r"[\w .]+", s) and len(s.split()) <= 4:
            return who + "full_name"  # «Мать», «Законный представитель», «Сведения о родителях»
        if what in ("last_name", "first_name", "middle_name", "full_name", "phone", "email"):
            return who + what
        if what == "address":
            return IGNORE  # a parent's address: not stored
        if what in ("birth_date", "snils"):
            return IGNORE  # a parent's birth date or СНИЛС: not stored
        return None
    if what is None and _PUPIL.search(s) and len(s.split()) <= 2:
        return "full_name"  # «Обучающийся», «Ученик»
    return what


def header_ok(keys: set) -> bool:
    return ("last_name" in keys and "first_name" in keys) or "full_name" in keys


def expected_captions() -> list[str]:
    """Captions the refusal names as examples of what the importer expects."""
    return ["Класс", "Фамилия", "Имя", "Отчество", "ФИО", "Дата рождения", "СНИЛС", "ФИО законного представителя",
            "Телефон", "lastname", "firstname", "birthday"]
