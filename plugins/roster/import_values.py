"""Values of a class list as people type them, normalised: names, phones, e-mails, СНИЛС, sex,
relation. Each ``*_value`` function returns the stored form or raises :class:`BadValue` with an
English msgid (the report names the row and column)."""
from __future__ import annotations

import re

from zhurnal.core.i18n import N_
from zhurnal.core.tabular import as_text


class BadValue(ValueError):
    def __init__(self, message: str, **params) -> None:
        super().__init__(message)
        self.message, self.params = message, params


#: words inside a name that stay in small letters: patronymic particles (оглы, кызы), ибн, фон...
PARTICLES = frozenset({"оглы", "огли", "кызы", "кызи", "кизи", "улы", "уулу", "угли", "ибн", "бин", "бинт", "бен",
                       "фон", "ван", "дер", "де", "да", "дю", "ди", "ла", "ле", "аль", "эль"})
NAME_RX = re.compile(r"[^\W\d_]+(?:[ '’\-.][^\W\d_]+)*\.?")


def _word(word: str) -> str:
    if word.lower() in PARTICLES:
        return word.lower()
    if word.isupper() or word.islower():
        return "-".join(p[:1].upper() + p[1:].lower() for p in word.split("-"))
    return word  # mixed case as written (Мак-Кинли, ДиКаприо)


def name_value(value) -> str:
    """Trimmed, spaces collapsed, each word capitalised unless it is a particle: ``  жамсуев`` ->
    ``Жамсуев``, ``МАМЕДОВ`` -> ``Мамедов``, ``рашид ОГЛЫ`` -> ``Рашид оглы``."""
    text = re.sub(r"\s+", " ", as_text(value).replace("\u00a0", " ")).strip(" ,;")
    return " ".join(_word(w) for w in text.split(" ")) if text else ""


def split_full_name(full: str) -> tuple[str, str, str]:
    """«Мамедов Эльчин Рашид оглы» -> (Мамедов, Эльчин, Рашид оглы)."""
    parts = name_value(full).split(" ")
    if not parts or not parts[0]:
        return "", "", ""
    return parts[0], " ".join(parts[1:2]), " ".join(parts[2:])


def check_name(value: str) -> None:
    if len(value) > 100:
        raise BadValue(N_("This is too long."))
    if value and not NAME_RX.fullmatch(value):
        raise BadValue(N_("Use letters, spaces, hyphens and apostrophes only."))


_PHONE_CHARS = re.compile(r"[0-9+()\-\s.]*")


def phone_value(value) -> str:
    """+7XXXXXXXXXX from 8 (912) 345-67-89, +7 912 345 67 89, 9123456789, 79123456789 (also an Excel number).

    :raises BadValue: other characters or not 10 digits after the country code
    """
    text = as_text(value).strip()
    if not text:
        return ""
    text = re.split(r"\s*(?:доб\.?|ext\.?|добавочный)\s*", text, flags=re.IGNORECASE)[0]
    if not _PHONE_CHARS.fullmatch(text):
        raise BadValue(N_("«%(value)s» is not a phone number."), value=as_text(value))
    digits = re.sub(r"\D", "", text)
    if len(digits) == 11 and digits[0] in "78":
        digits = digits[1:]
    if len(digits) != 10:
        raise BadValue(N_("The phone number «%(value)s» has %(count)d digits; a Russian number has 10 after +7."),
                       value=as_text(value), count=len(re.sub(r"\D", "", text)))
    return "+7" + digits


PHONE_IN_TEXT = re.compile(r"(?:\+7|8|7)?[\s\-(]*\d{3}[\s\-)]*\d{3}[\s\-]*\d{2}[\s\-]*\d{2}(?!\d)")
EMAIL_RX = re.compile(r"[^@\s,;<>()]+@[^@\s,;<>()]+\.[^@\s,;<>().]+")


def email_value(value) -> str:
    text = as_text(value).strip().lower()
    if not text:
        return ""
    if not EMAIL_RX.fullmatch(text) or len(text) > 200:
        raise BadValue(N_("«%(value)s» is not an e-mail address."), value=as_text(value).strip())
    return text


def snils_check(digits9: str) -> int:
    """The check number of a СНИЛС from its first nine digits."""
    total = sum(int(d) * (9 - i) for i, d in enumerate(digits9))
    if total < 100:
        return total
    if total in (100, 101):
        return 0
    rest = total % 101
    return 0 if rest == 100 else rest


def snils_value(value) -> str:
    """``XXX-XXX-XXX YY`` from 123-456-789 01, 12345678901, «123 456 789 01» or an Excel number that lost
    its leading zeros.

    :raises BadValue: not 11 digits, or a wrong check number
    """
    raw = as_text(value).strip()
    if not raw:
        return ""
    if not re.fullmatch(r"[0-9\s\-.]+", raw):
        raise BadValue(N_("«%(value)s» is not a СНИЛС: write 11 digits like 123-456-789 01."), value=raw)
    digits = re.sub(r"\D", "", raw)
    if raw.isdigit() and 7 <= len(digits) < 11:
        digits = digits.zfill(11)  # Excel kept it as a number and dropped the leading zeros
    if len(digits) != 11:
        raise BadValue(N_("«%(value)s» is not a СНИЛС: write 11 digits like 123-456-789 01."), value=raw)
    if int(digits[:9]) > 1001998 and snils_check(digits[:9]) != int(digits[9:]):
        raise BadValue(N_("The СНИЛС «%(value)s» has a wrong check number."), value=raw)
    return f"{digits[0:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:]}"


GENDER_IN = {"м": "m", "муж": "m", "мужской": "m", "мальчик": "m", "m": "m", "male": "m", "мал": "m", "1": "m",
             "ж": "f", "жен": "f", "женский": "f", "девочка": "f", "f": "f", "female": "f", "дев": "f", "2": "f"}
GENDER_OUT = {"m": "м", "f": "ж"}


def gender_value(value) -> str | None:
    text = as_text(value).lower().strip(" .")
    if not text:
        return None
    if text not in GENDER_IN:
        raise BadValue(N_("Write the sex as «м» or «ж»."))
    return GENDER_IN[text]


RELATION_IN = {"мать": "mother", "мама": "mother", "mother": "mother",
               "отец": "father", "папа": "father", "father": "father",
               "опекун": "guardian", "попечитель": "guardian", "законный представитель": "guardian",
               "guardian": "guardian", "представитель": "guardian", "приемный родитель": "guardian",
               "родитель": "guardian", "parent": "guardian",
               "другое": "other", "другой": "other", "бабушка": "other", "дедушка": "other", "тетя": "other",
               "дядя": "other", "брат": "other", "сестра": "other", "other": "other"}
RELATION_OUT = {"mother": "мать", "father": "отец", "guardian": "опекун", "other": "другое"}


def relation_value(value) -> str:
    text = as_text(value).lower().replace("ё", "е").strip(" .:()")
    if not text:
        return "guardian"
    if text not in RELATION_IN:
        raise BadValue(N_("Write who the guardian is: мать, отец, опекун or другое."))
    return RELATION_IN[text]


def digits(phone: str) -> str:
    return re.sub(r"\D", "", phone or "")[-10:]


def key(*parts) -> tuple:
    """A name compared the way people mean it: case, ё/е and spaces do not matter."""
    return tuple(re.sub(r"\s+", " ", str(p or "")).strip().lower().replace("ё", "е") for p in parts)
