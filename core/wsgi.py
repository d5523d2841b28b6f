"""WSGI entry point: ``gunicorn -w 4 core.wsgi:app``."""
from .app import create_app

app = create_app()
