"""Short texts for SMS and messengers: segment counting and transliteration.

An SMS segment holds 160 GSM-7 characters or 70 UCS-2 characters (Cyrillic);
a longer text is split into segments of 153 / 67. :func:`fit_sms` makes a
text fit one segment where possible: it shortens the text, or, when the
channel is configured to transliterate, writes Cyrillic in Latin letters
(160 characters instead of 70).
"""
from __future__ import annotations

#: the GSM 03.38 basic character set (extension-table characters count as two)
_GSM7 = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
            "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
_GSM7_EXT = set("^{}\\[~]|€")

_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya", "«": '"', "»": '"', "—": "-", "–": "-", "№": "N",
}


def is_gsm7(text: str) -> bool:
    return all(ch in _GSM7 or ch in _GSM7_EXT for ch in text)


def sms_length(text: str) -> int:
    """Length in the encoding the text needs (extension characters count twice in GSM-7)."""
    if is_gsm7(text):
        return sum(2 if ch in _GSM7_EXT else 1 for ch in text)
    return len(text.encode("utf-16-le")) // 2


def segments(text: str) -> int:
    """How many SMS segments ``text`` takes."""
    n = sms_length(text)
    single, multi = (160, 153) if is_gsm7(text) else (70, 67)
    return 1 if n <= single else -(-n // multi)


def transliterate(text: str) -> str:
    """Cyrillic to Latin letters (ГОСТ 7.79-2000 system B, simplified), keeping case."""
    out = []
    for ch in text:
        low = ch.lower()
        if low in _TRANSLIT:
            t = _TRANSLIT[low]
            out.append(t.capitalize() if ch != low and t else t)
        else:
            out.append(ch)
    return "".join(out)


def fit_sms(text: str, *, transliterate_text: bool = False, max_segments: int = 1) -> str:
    """``text`` made to fit ``max_segments`` SMS segments where possible.

    Transliterates first if asked; then cuts at a word boundary and adds ``…``
    (``...`` in GSM-7). A text that already fits is returned unchanged.
    """
    if transliterate_text:
        text = transliterate(text)
    if segments(text) <= max_segments:
        return text
    gsm = is_gsm7(text)
    limit = (160 if gsm else 70) if max_segments == 1 else (153 if gsm else 67) * max_segments
    ell = "..." if gsm else "…"
    cut = text
    while cut and sms_length(cut + ell) > limit:
        cut = cut[:-1]
    head = cut.rsplit(" ", 1)[0] if " " in cut[len(cut) // 2:] else cut
    return head.rstrip(" ,.;:-") + ell
