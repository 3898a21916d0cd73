"""The goals API: one router made of one sub-router per area."""

from ninja import Router

from pms.goals.api import adjustments, indicators, periods, plan, scorecards

router = Router()
router.add_router("", periods.router)
router.add_router("", indicators.router)
router.add_router("", plan.router)
router.add_router("", scorecards.router)
router.add_router("", adjustments.router)
