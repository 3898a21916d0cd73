"""Import kinds of the results app, registered with ``pms.core.imports`` on import (from
``OutcomesConfig.ready``)."""

from pms.core.imports import register
from pms.outcomes.importers.pay import BonusBaseImporter, RaiseInputImporter

BONUS_BASES = register(BonusBaseImporter())
RAISE_INPUTS = register(RaiseInputImporter())

__all__ = ["BONUS_BASES", "RAISE_INPUTS"]
