"""bench/analytics_bench.py still runs: on the generator's tiny school (60 students, one month)."""
from __future__ import annotations

from bench import analytics_bench, generate


def test_analytics_bench_runs_on_the_tiny_school(databases):
    url = databases.new_url()
    meta = generate.generate(url, students=60, classes=3, months=1, echo=lambda *a: None)
    try:
        out = analytics_bench.measure(url, meta, repeat=1)
    finally:
        databases.drop(url)
    assert out["class"]["students"] > 0 and out["class"]["marks"] > 0
    assert out["school"]["classes"] == 3
    for key in ("raw_class", "class_report", "raw_school", "school_report"):
        assert out[key] > 0
    lines = analytics_bench.show("SQLite", out)
    assert "class report" in lines[1] and "ratio" in lines[2]
