"""Import kinds of the tracking app, registered with ``pms.core.imports`` on import
(from ``TrackingConfig.ready``)."""

from pms.core.imports import register
from pms.tracking.importers.actuals import ActualImporter

ACTUALS = register(ActualImporter())

__all__ = ["ACTUALS"]
