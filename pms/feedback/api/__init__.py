"""The feedback API: one router made of one sub-router per area."""

from ninja import Router

from pms.feedback.api import feedback

router = Router()
router.add_router("", feedback.router)
