"""The notifications feedback sends. Parameters never name an anonymous author: anonymous
items send no ``feedback.received`` at all, and ``feedback.upward_threshold`` has none."""

from django.utils.translation import gettext_lazy as _

from pms.comms.events import register_event

CATEGORY = "feedback"

RECEIVED = "feedback.received"
REQUESTED = "feedback.requested"
OBSERVATION_OVERDUE = "feedback.observation_overdue"
UPWARD_THRESHOLD = "feedback.upward_threshold"

register_event(
    RECEIVED,
    title=_("%(giver)s gave you feedback"),
    body=_("%(giver)s gave you feedback. Open it to read it."),
    category=CATEGORY,
)
register_event(
    REQUESTED,
    title=_("%(requester)s asks for your feedback"),
    body=_("%(requester)s asks for your feedback on: %(about)s"),
    category=CATEGORY,
)
register_event(
    OBSERVATION_OVERDUE,
    title=_("Talk to %(report)s about your observation"),
    body=_(
        "You recorded an observation about %(report)s more than 24 hours ago and no feedback "
        "conversation about it is recorded yet."
    ),
    category=CATEGORY,
)
register_event(
    UPWARD_THRESHOLD,
    title=_("New anonymous upward feedback"),
    body=_("Enough colleagues have given you anonymous feedback for a summary to be shown."),
    category=CATEGORY,
)
