"""Benchmarks: ``python -m bench [seed] [import] [pages] [--employees N]``.

Each benchmark runs in its own process against its own SQLite file under ``var/bench/``
(never ``var/db.sqlite3``), so peak memory is that benchmark's own and settings read the
database from ``DATABASE_URL``. Figures are printed as plain text; nothing here asserts
on time.
"""
