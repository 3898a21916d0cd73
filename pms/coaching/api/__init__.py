"""The coaching API: one router made of one sub-router per area."""

from ninja import Router

from pms.coaching.api import checkins

router = Router()
router.add_router("", checkins.router)
