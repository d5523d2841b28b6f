"""Access cases of the Telegram linking pages (see :mod:`tests.access`): everyone with an account links
their own chat only; anonymous users are sent to the login page."""
from tests.access import STANDARD_LOGINS, Case

CASES = [
    Case("notify_telegram.index", "GET", "/notify_telegram/", allow=STANDARD_LOGINS),
    Case("notify_telegram.new_code", "POST", "/notify_telegram/code", allow=STANDARD_LOGINS),
    Case("notify_telegram.unlink", "POST", "/notify_telegram/unlink", allow=STANDARD_LOGINS),
]
