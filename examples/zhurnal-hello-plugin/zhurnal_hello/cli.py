"""``zhurnal hello``: the plugin's command."""
from __future__ import annotations

import click

from zhurnal.core.cli import with_app


@click.command("hello")
@with_app
def hello():
    """Greet from the hello plugin: print each school with its number of classes."""
    from zhurnal.core.identity.models import School
    from .views import class_count
    click.echo("Hello from the hello plugin!")
    for school in School.select().order_by(School.id):
        click.echo(f"{school.short_name}: {class_count(school)} classes")
