"""Every API schema takes its fields from ``zhurnal.core.fields`` (bounded integers and dates, date-times with their
UTC offset as the OpenAPI document says), never from marshmallow directly."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: not API schemas: the settings file's schema and the module that wraps marshmallow's fields
EXEMPT = {"core/config.py", "core/fields.py"}


def test_schemas_use_the_kernels_bounded_fields():
    bad = []
    for path in sorted(list((ROOT / "core").rglob("*.py")) + list((ROOT / "plugins").rglob("*.py"))):
        rel = path.relative_to(ROOT).as_posix()
        if rel in EXEMPT:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"^\s*from marshmallow import [^\n]*\bfields\b", text, re.M) or \
                re.search(r"^\s*from marshmallow\.fields import", text, re.M):
            bad.append(rel)
    assert not bad, f"import fields from core.fields instead of marshmallow: {bad}"
