"""Progress figures that tracking computes and goals show (``Goal.progress``): attainment to
date in percent. A derived figure, recomputed from the actual values at any time, so it is
written in bulk and not audited; the values it comes from are."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.db import connections, router

from pms.goals.models import Goal


def goals_progress_set(*, values: Mapping[int, Decimal | None]) -> int:
    """Write each goal's progress (goal id → percent, or None for no values yet).

    One prepared UPDATE executed for every goal: ``bulk_update`` builds a CASE expression per
    row, which costs far more than the write itself when the nightly pass rewrites a
    million goals."""
    if not values:
        return 0
    connection = connections[router.db_for_write(Goal)]
    quote = connection.ops.quote_name
    table, column, key = quote(Goal._meta.db_table), quote("progress"), quote("id")
    statement = f"UPDATE {table} SET {column} = %s WHERE {key} = %s"  # noqa: S608 (model names)
    with connection.cursor() as cursor:
        cursor.executemany(statement, [(progress, pk) for pk, progress in values.items()])
    return len(values)
