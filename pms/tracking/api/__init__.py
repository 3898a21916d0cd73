"""The tracking API: one router made of one sub-router per area."""

from ninja import Router

from pms.tracking.api import actuals, batches, progress

router = Router()
router.add_router("", actuals.router)
router.add_router("", progress.router)
router.add_router("", batches.router)
