"""One home for recipient addresses: guardians' in the roster's Guardian record, staff's on the account."""
from __future__ import annotations

from zhurnal.core import migrations
from zhurnal.core.cli import migrate_all
from zhurnal.core.identity.models import School, User
from zhurnal.core.identity.service import create_user
from zhurnal.core.notify.address import contact_of, normalise_phone, phone_problem
from zhurnal.core.notify.text import fit_sms, segments, transliterate


def _school_with_guardian(app):
    from zhurnal.plugins.roster import service
    school = School.create(name="Школа № 5", short_name="Школа № 5")
    gd = service.create_guardian(school, {"last_name": "Петрова", "first_name": "Анна", "middle_name": "",
                                          "phone": "8 (912) 345-67-89", "email": "anna.petrova@example.ru"})
    return school, gd


def test_guardian_contacts_come_from_the_roster_and_staff_from_the_account(make_app):
    from zhurnal.plugins.roster import service
    from zhurnal.plugins.roster.models import Guardian
    app = make_app(plugins=["roster"])
    with app.app_context():
        school, gd = _school_with_guardian(app)
        user, _pw = service.give_guardian_account(gd)
        user = User.get_by_id(user.id)
        assert user.email is None and user.phone is None            # not copied onto the account any more
        assert contact_of(user, "email") == "anna.petrova@example.ru"
        assert normalise_phone(contact_of(user, "phone")) == "+79123456789"
        Guardian.update(email="").where(Guardian.id == gd.id).execute()
        User.update(email="stale@example.ru").where(User.id == user.id).execute()
        assert contact_of(User.get_by_id(user.id), "email") is None   # the roster owns it: no fallback
        staff, _pw = create_user("teacher2", "Иванов И. И.", school=school.id, email="ivanov@school.example")
        assert contact_of(staff, "email") == "ivanov@school.example"


def test_roster_migration_moves_guardian_account_contacts_into_the_guardian_record(make_app):
    from zhurnal.plugins import roster as roster_plugin
    from zhurnal.plugins.roster import service
    from zhurnal.plugins.roster.models import Guardian
    app = make_app(plugins=["roster"])
    with app.app_context():
        school, gd = _school_with_guardian(app)
        Guardian.update(email="", phone="").where(Guardian.id == gd.id).execute()
        user, _pw = service.give_guardian_account(gd)
        kept = service.create_guardian(school, {"last_name": "Орлов", "first_name": "Пётр", "middle_name": "",
                                                "phone": "+79001112233", "email": "orlov@example.ru"})
        kept_user, _pw = service.give_guardian_account(kept)
        # what schema 3 left behind: contacts on the guardians' accounts
        User.update(email="anna@example.ru", phone="+79120000000").where(User.id == user.id).execute()
        User.update(email="old-orlov@example.ru").where(User.id == kept_user.id).execute()
        staff, _pw = create_user("teacher3", "Сидорова", school=school.id, email="sidorova@school.example")
        migrations.SchemaVersion.update(version=3).where(migrations.SchemaVersion.plugin == "roster").execute()
        migrate_all(app, echo=lambda *a: None)
        assert migrations.current_versions()["roster"] == roster_plugin.schema_version
        g1, g2 = Guardian.get_by_id(gd.id), Guardian.get_by_id(kept.id)
        assert (g1.email, g1.phone) == ("anna@example.ru", "+79120000000")
        assert (g2.email, g2.phone) == ("orlov@example.ru", "+79001112233")   # the roster's value wins
        assert [(u.email, u.phone) for u in User.select().where(User.id.in_([user.id, kept_user.id]))] == \
            [(None, None), (None, None)]
        assert User.get_by_id(staff.id).email == "sidorova@school.example"


def test_sms_texts_fit_one_segment_with_optional_transliteration():
    ru = "Иванов Иван: 5, Математика, 26.11.2026. Отличный ответ у доски, молодец, так держать всегда и везде!"
    assert segments(ru) == 2
    short = fit_sms(ru)
    assert segments(short) == 1 and short.endswith("…") and short.startswith("Иванов Иван: 5, Математика")
    lat = fit_sms(ru, transliterate_text=True)
    assert lat.startswith("Ivanov Ivan: 5, Matematika, 26.11.2026. Otlichnyy otvet") and segments(lat) == 1
    assert transliterate("Щёлково, ЖЭК «Юг»") == 'Shchelkovo, ZhEK "Yug"'
    assert fit_sms("Short text") == "Short text"
    assert phone_problem("12") and phone_problem("+7 912 345-67-89") is None
