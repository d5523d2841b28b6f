"""Translation catalogs of the kernel and each plugin.

Source strings are English; every package (``core`` and each plugin folder)
keeps ``translations/ru/LC_MESSAGES/messages.po`` beside its code, and the
compiled ``.mo`` next to it. Run after changing user-facing text::

    python -m zhurnal.core.i18n update   # extract, merge into each .po (new entries empty)
    # ... translate the empty entries ...
    python -m zhurnal.core.i18n compile  # write the .mo files
    python -m zhurnal.core.i18n check    # exit 1 if a message lacks Russian or a .mo is stale

``check`` runs in the test suite.
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ("ru",)
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "N_": None,
            "lazy_ngettext": (1, 2),
            # with a context, for words that mean different things in different places ("To": a date, a person)
            "pgettext": ((1, "c"), 2), "npgettext": ((1, "c"), 2, 3), "lazy_pgettext": ((1, "c"), 2),
            # API errors: their messages are English msgids, translated when the answer is made
            "not_found": None, "forbidden": None, "conflict": None, "ApiError": (3,)}
METHODS = [("**/tests/**", "ignore"), ("**.py", "python"), ("**/templates/**.html", "jinja2"),
           ("**/templates/**.txt", "jinja2")]
OPTIONS = {"**/templates/**": {"extensions": "jinja2.ext.do", "newstyle_gettext": "true"}}


def N_(message: str) -> str:
    """Mark a string for extraction without translating it here (it is translated where shown)."""
    return message


def fill(pkg: Path, translations: dict, locale: str = "ru") -> int:
    """Set translations (msgid -> msgstr, or tuple of plural forms) in a package's .po; returns how many."""
    path = po_path(pkg, locale)
    cat = _read(path, locale)
    n = 0
    for msg in cat:
        key = msg.id if isinstance(msg.id, str) else msg.id[0]
        if msg.id and key in translations:
            msg.string = translations[key]
            msg.flags.discard("fuzzy")
            n += 1
    with path.open("wb") as fh:
        write_po(fh, cat, width=120, sort_output=True, include_previous=False)
    return n


def packages() -> list[Path]:
    pkgs = [ROOT / "core"]
    pkgs += sorted(p for p in (ROOT / "plugins").iterdir() if p.is_dir() and (p / "__init__.py").exists())
    return pkgs


def extract(pkg: Path) -> Catalog:
    cat = Catalog(locale=None, domain="messages", project="zhurnal")
    for filename, lineno, message, comments, context in extract_from_dir(
            str(pkg), METHODS, options_map=OPTIONS, keywords=KEYWORDS):
        cat.add(message, None, [(str(Path(pkg.name) / filename), lineno)], auto_comments=comments, context=context)
    return cat


def po_path(pkg: Path, locale: str) -> Path:
    return pkg / "translations" / locale / "LC_MESSAGES" / "messages.po"


def _read(path: Path, locale: str) -> Catalog:
    if not path.exists():
        return Catalog(locale=locale, domain="messages", project="zhurnal")
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def update(pkg: Path) -> None:
    template = extract(pkg)
    if not len(template):
        return
    for locale in LOCALES:
        path = po_path(pkg, locale)
        cat = _read(path, locale)
        cat.update(template, no_fuzzy_matching=True)
        cat.obsolete.clear()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, cat, width=120, omit_header=False, sort_output=True, include_previous=False)


def _mo_bytes(cat: Catalog) -> bytes:
    buf = io.BytesIO()
    write_mo(buf, cat, use_fuzzy=False)
    return buf.getvalue()


def compile_(pkg: Path) -> None:
    for locale in LOCALES:
        path = po_path(pkg, locale)
        if path.exists():
            path.with_suffix(".mo").write_bytes(_mo_bytes(_read(path, locale)))


def check(pkg: Path) -> list[str]:
    problems = []
    template = extract(pkg)
    for locale in LOCALES:
        path = po_path(pkg, locale)
        if not len(template):
            continue
        cat = _read(path, locale)
        for msg in template:
            if not msg.id:
                continue
            have = cat.get(msg.id, context=msg.context)
            if have is None or not (all(have.string) if isinstance(have.string, (list, tuple)) else have.string) \
                    or have.fuzzy:
                mid = msg.id if isinstance(msg.id, str) else msg.id[0]
                problems.append(f"{pkg.name}: no {locale} translation for {mid!r} ({msg.locations[0][0]}:{msg.locations[0][1]})")
        mo = path.with_suffix(".mo")
        if path.exists() and (not mo.exists() or mo.read_bytes() != _mo_bytes(cat)):
            problems.append(f"{pkg.name}: {mo.relative_to(ROOT)} is stale: run python -m zhurnal.core.i18n compile")
    return problems


def conflicts(selected: list[Path], locale: str = "ru") -> list[str]:
    """Messages that two packages translate differently.

    All catalogs are merged into one at run time and a later one overrides an
    earlier one, so the kernel's "To" (a date) would read as a plugin's "To" (a
    recipient). Give such a message a context (``pgettext``) or another msgid.
    """
    translated: dict[tuple, dict[str, object]] = {}
    for pkg in packages():
        cat = _read(po_path(pkg, locale), locale)
        for msg in cat:
            if not msg.id or msg.fuzzy:
                continue
            string = msg.string if isinstance(msg.string, str) else tuple(msg.string)
            if string and (all(string) if isinstance(string, tuple) else True):
                key = (msg.id if isinstance(msg.id, str) else msg.id[0], msg.context)
                translated.setdefault(key, {})[pkg.name] = string
    names = {p.name for p in selected}
    problems = []
    for (mid, ctx), by_pkg in sorted(translated.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        if len(set(by_pkg.values())) < 2:
            continue
        for name in sorted(by_pkg):
            if name == "core":  # the kernel's wording stands; a plugin that agrees with it is fine
                continue
            if "core" in by_pkg and by_pkg[name] == by_pkg["core"]:
                continue
            others = [f"{v!r} in {o}" for o, v in sorted(by_pkg.items()) if o != name and v != by_pkg[name]]
            if name in names and others:
                where = f" (context {ctx!r})" if ctx else ""
                problems.append(f"{name}: {mid!r}{where} is {by_pkg[name]!r} here but {', '.join(others)}: "
                                "catalogs are merged, one wins; use pgettext or another msgid")
    return problems


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "check"
    selected = [p for p in packages() if len(argv) < 2 or p.name in argv[1:]]
    if cmd == "update":
        for p in selected:
            update(p)
    elif cmd == "compile":
        for p in selected:
            compile_(p)
    elif cmd == "check":
        problems = [x for p in selected for x in check(p)] + conflicts(selected)
        for x in problems:
            print(x)
        return 1 if problems else 0
    else:
        print("usage: python -m zhurnal.core.i18n update|compile|check [package ...]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
