"""The texts of a notification, in the recipient's language (Russian by default).

Each event has a subject, a plain text, a short text (for SMS and pagers; not
cut here: a channel with a size limit fits it itself, see :mod:`.text`) and an
HTML version made from the plain text. The English strings
here are translated in ``core/translations/ru``.
"""
from __future__ import annotations

import html as _html

from flask import current_app
from flask_babel import force_locale, gettext as _

from .text import transliterate as _transliterate


def _lines(event: str, d: dict) -> tuple[str, list[str], str]:
    """(subject, body lines, short text) for one event, in the current locale."""
    who = d.get("student", "")
    if event == "mark":
        subj = _("New mark: %(student)s, %(subject)s", student=who, subject=d.get("subject", ""))
        body = [_("%(student)s got the mark %(value)s in %(subject)s on %(date)s.", student=who,
                  value=d.get("value", ""), subject=d.get("subject", ""), date=d.get("date", ""))]
        if d.get("comment"):
            body.append(_("Teacher's comment: %(comment)s", comment=d["comment"]))
        short = _("%(student)s: %(value)s, %(subject)s, %(date)s", student=who, value=d.get("value", ""),
                  subject=d.get("subject", ""), date=d.get("date", ""))
    elif event == "absence":
        subj = _("Absence: %(student)s, %(date)s", student=who, date=d.get("date", ""))
        body = [_("%(student)s was absent from lessons on %(date)s (first: %(subject)s).", student=who,
                  date=d.get("date", ""), subject=d.get("subject", ""))]
        short = _("%(student)s was absent on %(date)s", student=who, date=d.get("date", ""))
    elif event == "homework":
        subj = _("Homework in %(subject)s for %(date)s", subject=d.get("subject", ""), date=d.get("date", ""))
        body = [d.get("text", "")]
        short = _("Homework, %(subject)s: %(text)s", subject=d.get("subject", ""), text=d.get("text", ""))
    elif event == "remark":
        subj = _("A teacher's note about %(student)s", student=who)
        body = [d.get("text", "")]
        short = _("Note about %(student)s: %(text)s", student=who, text=d.get("text", ""))
    elif event in ("message", "announcement"):
        subj = d.get("subject") or _("New message")
        body = [_("From: %(author)s", author=d.get("author", "")), "", d.get("text", "")]
        short = _("Message from %(author)s: %(subject)s", author=d.get("author", ""), subject=subj)
    elif event == "weekly_summary":
        subj = _("Week of %(week)s: %(student)s", week=d.get("week", ""), student=who)
        body = list(d.get("lines", []))
        if d.get("ack_url"):
            body += ["", _("To confirm you have read the week, open: %(url)s", url=d["ack_url"])]
        short = _("Week of %(week)s for %(student)s is ready", week=d.get("week", ""), student=who)
    elif event == "security_alert":
        subj = _("Security: credentials of %(account)s reported compromised", account=d.get("account", ""))
        body = [_("The account %(account)s was stopped at %(at)s after its credentials were reported "
                  "compromised.", account=d.get("account", ""), at=d.get("at", "")),
                _("Open the incidents page to review it.")]
        if d.get("note"):
            body.append(_("Note: %(note)s", note=d["note"]))
        short = _("Zhurnal: account %(account)s stopped, credentials compromised", account=d.get("account", ""))
    else:
        subj = d.get("subject") or event
        body = [d.get("text", "")]
        short = d.get("short") or subj
    return subj, body, short


def render(event: str, data: dict, language: str, recipient_name: str, *, link: str = "",
           transliterate: bool = False) -> dict:
    """``{"subject", "text", "html", "short_text"}`` for one recipient. ``transliterate``: write
    the short text in Latin letters (kept for callers; the SMS channel transliterates itself)."""
    with force_locale(language or current_app.extensions["zhurnal"].settings.default_locale):
        subj, body, short = _lines(event, data)
        hello = _("Hello, %(name)s!", name=recipient_name) if recipient_name else ""
        footer = _("This message was sent by the school's electronic journal. "
                   "You can change what you receive on your profile page.")
        open_txt = _("Open in the journal") if link else ""
    text_lines = ([hello, ""] if hello else []) + body + ([""] + [f"{open_txt}: {link}"] if link else []) \
        + ["", "--", footer]
    text = "\n".join(text_lines)
    esc = _html.escape
    paras = "".join(f"<p>{esc(line)}</p>" if line else "" for line in ([hello] if hello else []) + body)
    button = f'<p><a href="{esc(link)}">{esc(open_txt)}</a></p>' if link else ""
    html = ("<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{t}</title></head>"
            "<body style=\"font-family:sans-serif\">{p}{b}<hr><p style=\"color:#666;font-size:small\">{f}</p>"
            "</body></html>").format(lang=esc(language or "ru"), t=esc(subj), p=paras, b=button, f=esc(footer))
    return {"subject": subj, "text": text, "html": html,
            "short_text": _transliterate(short) if transliterate else short}
