"""The diary's notifications (messages, class announcements), written into the kernel's outbox
inside the transaction that saves them."""
from __future__ import annotations

from core.notify.outbox import notify


def message(msg, thread, author, recipient_ids: list[int], body: str) -> None:
    """A message in a thread about a student: its recipients (consent checked for that student)."""
    recipients = sorted(set(recipient_ids) - {author.id})
    if not recipients:
        return
    event = "announcement" if thread.kind == "announcement" else "message"
    notify(event, key=f"diary.message:{msg.id}", school_id=thread.school_id,
           student_id=thread.student_id if event == "message" else None, recipients=recipients,
           data={"subject": thread.subject, "author": author.display_name, "text": body,
                 "_link": f"/diary/messages/{thread.id}"})
