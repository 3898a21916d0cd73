"""The notifications the coaching app sends (registered from ``CoachingConfig.ready``)."""

from django.utils.translation import gettext_lazy as _

from pms.comms.events import register_event

CATEGORY = "coaching"

CHECKIN_DUE = "coaching.checkin_due"
ACTION_DUE = "coaching.action_due"

register_event(
    CHECKIN_DUE,
    title=_("Check-in of %(name)s due on %(due)s"),
    body=_(
        "The check-in of %(name)s is due on %(due)s. Prepare your notes on each goal, "
        "obstacles and improvement plan before the meeting."
    ),
    category=CATEGORY,
)
register_event(
    ACTION_DUE,
    title=_("Action item due on %(due)s"),
    body=_("Your action item “%(title)s” is due on %(due)s."),
    category=CATEGORY,
)
