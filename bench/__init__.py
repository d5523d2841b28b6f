"""Benchmarks of Zhurnal: a large-school data generator and a load harness.

Run on demand, never by the test suite::

    python -m bench.generate            # build bench/out/school-<key>.db (cached)
    python -m bench.run                 # generate if missing, serve under gunicorn, measure

See ``bench/README.md``.
"""
