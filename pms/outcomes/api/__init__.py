"""The results API: one router made of one sub-router per area."""

from ninja import Router

from pms.outcomes.api import appeals, results
from pms.outcomes.api import pay as pay_api
from pms.outcomes.api import plans as plan_api

router = Router()
# each area adds its sub-router here (one line per area)
router.add_router("", results.router)
router.add_router("", appeals.router)
router.add_router("", plan_api.router)
router.add_router("", pay_api.router)
