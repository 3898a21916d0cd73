"""The notifications calibration sends: to the facilitator and the members, never to the
people calibrated (they learn their result when it is published)."""

from django.utils.translation import gettext_lazy as _

from pms.comms.events import register_category, register_event

CATEGORY = "calibration"

register_category(CATEGORY, label=_("Calibration"))

SESSION_OPENED = "calibration.session_opened"
SESSION_CLOSED = "calibration.session_closed"

register_event(
    SESSION_OPENED,
    title=_("Calibration session %(session)s is open"),
    body=_(
        "The calibration session %(session)s of %(cycle)s is open with %(count)s people. "
        "You take part as %(role)s."
    ),
    category=CATEGORY,
)
register_event(
    SESSION_CLOSED,
    title=_("Calibration session %(session)s is closed"),
    body=_("The calibration session %(session)s of %(cycle)s is closed and its grades locked."),
    category=CATEGORY,
)
