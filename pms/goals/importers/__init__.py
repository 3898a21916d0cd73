"""Import kinds of the goals app, registered with ``pms.core.imports`` on import.

Other areas append their own ``register`` lines here."""

from pms.core.imports import register
from pms.goals.importers.indicators import IndicatorImporter

INDICATORS = register(IndicatorImporter())

__all__ = ["INDICATORS"]

from pms.goals.importers import goal_files  # noqa: E402, F401  (scorecard and department goals)
