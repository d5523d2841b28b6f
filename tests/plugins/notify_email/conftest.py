from tests.notify_support import notify_app, smtp  # noqa: F401  (fixtures)
