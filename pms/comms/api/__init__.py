"""The comms API: one router made of one sub-router per area."""

from ninja import Router

from pms.comms.api import notifications

router = Router()
router.add_router("", notifications.router)
