"""A realistic demo company for ``make run``, the browser tests and the benchmarks.

``plan_demo`` builds the whole company as plain data (no database), reproducible for a
seed: the same seed gives the same departments, names, numbers and reporting lines.
``seed_demo`` writes a plan in bulk: ids are assigned here so that every materialised path
is known before the first insert, and each table is written with ``bulk_create`` in
batches, so 100,000 people take seconds, not hours, on SQLite and PostgreSQL alike.
"""

from pms.org.demo.catalogue import (
    DEMO_PASSWORD,
    PERSONAS,
    DemoError,
    mobile_number,
    person_name,
)
from pms.org.demo.logins import DemoLogin, demo_logins
from pms.org.demo.plan import DemoPlan, plan_demo
from pms.org.demo.write import DemoSummary, seed_demo, write_plan

__all__ = [
    "DEMO_PASSWORD",
    "PERSONAS",
    "DemoError",
    "DemoLogin",
    "DemoPlan",
    "DemoSummary",
    "demo_logins",
    "mobile_number",
    "person_name",
    "plan_demo",
    "seed_demo",
    "write_plan",
]
