"""Access cases of the kernel's endpoints."""
from tests.access import STANDARD_LOGINS, Case

EVERYONE = STANDARD_LOGINS

def _throwaway_user(app, login):
    """A fresh account of the demo school to report compromised (keeps the demo logins usable)."""
    import uuid
    from core.identity.models import School, User
    with app.app_context():
        u = User.create(login=f"victim-{uuid.uuid4().hex[:8]}", display_name="Жертва Фишинга",
                        school=School.select().get())
    return {"victim": u.id}


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
    Case("admin_api.audit_verify_api", "POST", "/api/v1/audit/verify", allow=("admin",),
         note="deployment-wide check: only admins"),
]
