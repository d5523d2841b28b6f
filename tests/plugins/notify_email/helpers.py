"""Families with accounts for fan-out tests: the demo school has only two guardian accounts."""
from __future__ import annotations

from zhurnal.core.identity.models import User
from zhurnal.plugins.diary import service as diary
from zhurnal.plugins.roster.models import Guardian, SchoolClass, StudentGuardian, Student


def guardian_accounts(n: int, class_name=(5, "А")) -> tuple[SchoolClass, list[User], dict[int, str]]:
    """Give ``n`` guardians (with e-mail) of a class an account; returns the class, the users and their addresses."""
    cls = SchoolClass.get((SchoolClass.parallel == class_name[0]) & (SchoolClass.letter == class_name[1]))
    rows = list(Guardian.select().join(StudentGuardian).join(Student)
                .where((Student.school_class == cls.id) & (Guardian.email != ""))
                .distinct().order_by(Guardian.id))
    users, emails = [], {}
    for g in rows:
        if len(users) == n:
            break
        if g.user_id is None:
            u = User.create(login=f"family{g.id}", display_name=g.full_name, school=g.school_id)
            Guardian.update(user=u.id).where(Guardian.id == g.id).execute()
        else:
            u = User.get_by_id(g.user_id)
        users.append(u)
        emails[u.id] = g.email
    assert len(users) == n, f"only {len(users)} guardians with e-mail in the class"
    return cls, users, emails


def announce(cls, users, subject="Родительское собрание в четверг", body="Собрание в 18:00, кабинет 21."):
    author = User.get(User.login == "klass5a")
    return diary.announce(author, cls, [u.id for u in users], subject=subject, body=body)
