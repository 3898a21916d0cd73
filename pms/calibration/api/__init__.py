"""The calibration API: one router made of one sub-router per area."""

from ninja import Router

from pms.calibration.api import sessions

router = Router()
# each area adds its sub-router here (one line per area)
router.add_router("", sessions.router)
