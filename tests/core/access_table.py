"""Access cases of the kernel's endpoints."""
from tests.access import STANDARD_LOGINS, Case

EVERYONE = STANDARD_LOGINS

def _throwaway_user(app, login):
    """A fresh account of the demo school to report compromised (keeps the demo logins usable)."""
    import uuid
    from zhurnal.core.identity.models import School, User
    with app.app_context():
        u = User.create(login=f"victim-{uuid.uuid4().hex[:8]}", display_name="Жертва Фишинга",
                        school=School.select().get())
    return {"victim": u.id}


def _local_message(app, login):
    """A message the e-mail channel delivered into the local outbox for parent2."""
    import uuid
    from zhurnal.core.identity.models import School, User
    from zhurnal.core.notify.models import LocalMessage
    with app.app_context():
        m = LocalMessage.create(idempotency_key=uuid.uuid4().hex, channel="email", address="p2@example.ru",
                                user=User.get(User.login == "parent2").id, school=School.select().get().id,
                                subject="Новая оценка", text="Текст")
    return {"local": m.id}


def _incident(app, login):
    """A fresh incident (a throwaway account reported compromised) to read or act on."""
    from zhurnal.core.identity import service
    from zhurnal.core.identity.models import User
    ids = _throwaway_user(app, login)
    with app.test_request_context():
        report = service.report_compromised(User.get_by_id(ids["victim"]), note="утечка")
    return {"incident": report.id}


CASES = [
    Case("admin_api.report_compromised_for", "POST", "/api/v1/users/{victim}/compromised",
         json={"note": "звонок в поддержку"}, setup=_throwaway_user, allow=("admin", "support")),
    Case("ui.dashboard", "GET", "/", allow=EVERYONE),
    Case("identity.change_password", "GET", "/account/password", allow=EVERYONE),
    Case("identity.account", "GET", "/account", allow=EVERYONE),
    Case("identity.create_token", "POST", "/account/tokens", data={"name": "x"}, allow=EVERYONE),
    Case("identity.revoke_token", "POST", "/account/tokens/999999/revoke", allow=(),
         note="nobody may revoke a token that is not theirs"),
    Case("identity.report_compromised", "GET", "/account/compromised", allow=EVERYONE),
    Case("core_api.me", "GET", "/api/v1/me", allow=EVERYONE),
    Case("core_api.list_tokens", "GET", "/api/v1/me/tokens", allow=EVERYONE),
    Case("core_api.create_token", "POST", "/api/v1/me/tokens", json={"name": "script"}, allow=EVERYONE),
    Case("core_api.revoke_token", "DELETE", "/api/v1/me/tokens/999999", allow=()),
    Case("core_api.change_password", "POST", "/api/v1/me/password",
         json={"current_password": "wrong", "new_password": "x"}, allow=EVERYONE),
    Case("core_api.report_compromised", "POST", "/api/v1/me/compromised", json={"note": "x"},
         allow=(), logins=(), note="stops the account: tested in tests/core/test_identity.py"),
    Case("admin.plugins", "GET", "/admin/plugins", allow=("admin",)),
    Case("admin.users", "GET", "/admin/users", allow=("admin", "director", "support")),
    Case("admin.user_action", "POST", "/admin/users/{user_parent2}/unlock", allow=("admin",)),
    Case("admin.audit_log", "GET", "/admin/audit", allow=("admin", "director")),
    Case("admin.audit_export", "GET", "/admin/audit/export.csv", allow=("admin", "director")),
    Case("admin.incidents", "GET", "/admin/incidents", allow=("admin", "director", "support")),
    Case("admin_api.school_plugins", "GET", "/api/v1/schools/{school}/plugins", allow=("admin",)),
    Case("admin_api.toggle_plugin", "PUT", "/api/v1/schools/{school}/plugins/roster", json={"enabled": True},
         allow=("admin",)),
    Case("admin_api.list_users", "GET", "/api/v1/users", allow=("admin", "director", "support")),
    Case("admin_api.create_user", "POST", "/api/v1/users",
         json={"login": "newstaff", "display_name": "Новый Сотрудник", "role": "teacher"}, allow=("admin",)),
    Case("admin_api.user_action_api", "POST", "/api/v1/users/{user_parent2}/unlock", allow=("admin",)),
    Case("admin_api.audit_api", "GET", "/api/v1/audit", allow=("admin", "director")),
    Case("personal_data_api.mine", "GET", "/api/v1/me/personal-data", allow=EVERYONE,
         note="one's own only; a guardian's children: tests/core/test_personal_data.py"),
    Case("personal_data_api.of_user", "GET", "/api/v1/users/{user_parent2}/personal-data", allow=("admin", "director"),
         note="another school's administration 404, bad ids 404: tests/core/test_personal_data.py"),
    Case("personal_data.page", "GET", "/account/personal-data", allow=EVERYONE),
    Case("personal_data.download", "GET", "/account/personal-data.json", allow=EVERYONE),
    Case("core_api.list_sessions", "GET", "/api/v1/me/sessions", allow=EVERYONE),
    Case("core_api.end_session", "DELETE", "/api/v1/me/sessions/999999", allow=(),
         note="nobody may end a session that is not theirs (tests/core/test_sessions.py)"),
    Case("core_api.end_other_sessions", "POST", "/api/v1/me/sessions/end-others", allow=EVERYONE),
    Case("identity.end_session", "POST", "/account/sessions/999999/end", allow=()),
    Case("identity.end_other_sessions", "POST", "/account/sessions/end-others", allow=EVERYONE),
    Case("core_api.totp_status", "GET", "/api/v1/me/totp", allow=EVERYONE),
    Case("core_api.totp_start", "POST", "/api/v1/me/totp",
         allow=tuple(x for x in EVERYONE if x not in ("parent1", "parent2", "student1")),
         note="a second factor is for staff"),
    Case("core_api.totp_confirm", "POST", "/api/v1/me/totp/confirm", json={"code": "000000"}, allow=EVERYONE,
         note="everyone reaches validation (422): a wrong code"),
    Case("core_api.totp_disable", "DELETE", "/api/v1/me/totp", json={"code": "000000"}, allow=(),
         note="404 without a second factor: tested in tests/core/test_totp.py"),
    Case("identity.totp", "GET", "/account/totp", allow=EVERYONE),
    Case("identity.school_security", "GET", "/admin/security", allow=("admin",)),
    Case("core_api.school_security", "GET", "/api/v1/schools/{school}/security", allow=("admin",)),
    Case("core_api.set_school_security", "PUT", "/api/v1/schools/{school}/security",
         json={"staff_totp_required": False}, allow=("admin",)),
    Case("incidents.incident", "GET", "/admin/incidents/{incident}", setup=_incident,
         allow=("admin", "director", "support")),
    Case("incidents.act", "POST", "/admin/incidents/{incident}/resolve", setup=_incident, data={"note": "x"},
         allow=("admin",)),
    Case("incidents_api.list_incidents", "GET", "/api/v1/incidents", allow=("admin", "director", "support")),
    Case("incidents_api.get_incident", "GET", "/api/v1/incidents/{incident}", setup=_incident,
         allow=("admin", "director", "support")),
    Case("incidents_api.incident_writes", "GET", "/api/v1/incidents/{incident}/writes", setup=_incident,
         allow=("admin", "director", "support")),
    Case("incidents_api.set_window", "POST", "/api/v1/incidents/{incident}/window", setup=_incident,
         json={"since": "2026-11-20T08:00:00"}, allow=("admin",)),
    Case("incidents_api.revert_incident", "POST", "/api/v1/incidents/{incident}/revert", setup=_incident,
         allow=("admin",)),
    Case("incidents_api.resolve_incident", "POST", "/api/v1/incidents/{incident}/resolve", setup=_incident,
         json={"note": "пароль сменён"}, allow=("admin",)),
    Case("admin_api.audit_verify_api", "POST", "/api/v1/audit/verify", allow=("admin",),
         note="deployment-wide check: only admins"),
    Case("notify.preferences", "GET", "/notifications/preferences", allow=EVERYONE),
    Case("notify.outbox", "GET", "/notifications/outbox", allow=EVERYONE, note="each sees their own; admin all"),
    Case("notify.outbox_message", "GET", "/notifications/outbox/{local}", setup=_local_message,
         allow=("admin", "parent2"), note="delivered locally to parent2"),
    Case("notify.failed", "GET", "/notifications/failed", allow=("admin",)),
    Case("notify_api.get_preferences", "GET", "/api/v1/me/notification-preferences", allow=EVERYONE),
    Case("notify_api.put_preferences", "PUT", "/api/v1/me/notification-preferences",
         json={"events": {"mark": {"email": "digest"}}}, allow=EVERYONE),
    Case("notify_api.my_outbox", "GET", "/api/v1/me/outbox", allow=EVERYONE),
    Case("notify_api.my_deliveries", "GET", "/api/v1/me/deliveries", allow=EVERYONE),
    Case("notify_api.list_failed", "GET", "/api/v1/notifications/failed", allow=("admin",)),
    Case("notify_api.retry_failed", "POST", "/api/v1/notifications/retry", json={"ids": [999999]}, allow=("admin",)),
    Case("notify.school_settings", "GET", "/notifications/school", allow=("admin",)),
    Case("notify_api.get_school_settings", "GET", "/api/v1/schools/{school}/notification-settings",
         allow=("admin",)),
    Case("notify_api.put_school_settings", "PUT", "/api/v1/schools/{school}/notification-settings",
         json={"students": False}, allow=("admin",)),
]
