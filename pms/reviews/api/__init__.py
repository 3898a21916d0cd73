"""The reviews API: one router made of one sub-router per area."""

from ninja import Router

from pms.reviews.api import cycles, ratings, results
from pms.reviews.api import templates as review_templates

router = Router()
# each area adds its sub-router here (one line per area)
router.add_router("", cycles.router)
router.add_router("", review_templates.router)
router.add_router("", ratings.router)
router.add_router("", results.router)
