"""The notifications reviews send. Parameters never name an anonymous rater nor say what
anybody wrote: a reminder names the cycle, the phase and a count, nothing else.

Several areas register their events here; append yours at the end.
"""

from django.utils.translation import gettext_lazy as _

from pms.comms.events import register_category, register_event

CATEGORY = "reviews"

register_category(CATEGORY, label=_("Reviews"))

# --- cycles and phases ----------------------------------------------------------------------

CYCLE_LAUNCHED = "reviews.cycle_launched"
PHASE_OPENED = "reviews.phase_opened"
PHASE_EXTENDED = "reviews.phase_extended"
RATINGS_REMINDER = "reviews.ratings_reminder"

register_event(
    CYCLE_LAUNCHED,
    title=_("The review cycle %(cycle)s has started"),
    body=_(
        "You take part in the review cycle %(cycle)s. It starts with goal setting; you will be "
        "told when your part opens."
    ),
    category=CATEGORY,
)
register_event(
    PHASE_OPENED,
    title=_("%(phase)s is open in %(cycle)s"),
    body=_(
        "%(phase)s has opened in the review cycle %(cycle)s. You have %(count)s review(s) to "
        "fill in by %(deadline)s."
    ),
    category=CATEGORY,
)
register_event(
    PHASE_EXTENDED,
    title=_("%(phase)s reopened for a review in %(cycle)s"),
    body=_(
        "HR opened %(phase)s again in the review cycle %(cycle)s until %(until)s. You have "
        "%(count)s review(s) to fill in."
    ),
    category=CATEGORY,
)
register_event(
    RATINGS_REMINDER,
    title=_("Reviews waiting for you in %(cycle)s"),
    body=_(
        "Reminder from HR: you have %(count)s review(s) still to fill in for the review cycle "
        "%(cycle)s."
    ),
    category=CATEGORY,
)

# --- raters and ratings ---------------------------------------------------------------------
# To the reviewee: only what the manager decided about the people they nominated, never who
# declined or submitted. To the manager: a declined anonymous rating is "a reviewer", unnamed.

PEERS_REQUESTED = "reviews.peers_requested"
PEERS_APPROVED = "reviews.peers_approved"
PEER_REJECTED = "reviews.peer_rejected"
PEER_REPLACED = "reviews.peer_replaced"
RATING_REQUESTED = "reviews.rating_requested"
RATING_DECLINED = "reviews.rating_declined"
RATING_DECLINED_ANONYMOUS = "reviews.rating_declined_anonymous"
RATING_WITHDRAWN = "reviews.rating_withdrawn"
RATINGS_DUE_SOON = "reviews.ratings_due_soon"
RATINGS_OVERDUE = "reviews.ratings_overdue"

register_event(
    PEERS_REQUESTED,
    title=_("%(person)s asks you to approve their peer reviewers"),
    body=_(
        "%(person)s nominated %(count)s colleague(s) to review them in %(cycle)s. Approve "
        "them, or reject or replace some."
    ),
    category=CATEGORY,
)
register_event(
    PEERS_APPROVED,
    title=_("Your peer reviewers are approved"),
    body=_("Your peer reviewers for %(cycle)s are approved (%(count)s colleague(s))."),
    category=CATEGORY,
)
register_event(
    PEER_REJECTED,
    title=_("%(name)s was not approved as your peer reviewer"),
    body=_(
        "%(name)s was not approved as a peer reviewer for %(cycle)s: %(reason)s. You may "
        "change your nominations and send them for approval again."
    ),
    category=CATEGORY,
)
register_event(
    PEER_REPLACED,
    title=_("%(name)s was replaced as your peer reviewer"),
    body=_("%(name)s was replaced by %(other)s as a peer reviewer for %(cycle)s: %(reason)s."),
    category=CATEGORY,
)
register_event(
    RATING_REQUESTED,
    title=_("Please review %(person)s"),
    body=_("You are asked to review %(person)s in %(cycle)s, by %(deadline)s."),
    category=CATEGORY,
)
register_event(
    RATING_DECLINED,
    title=_("%(rater)s declined to review %(person)s"),
    body=_(
        "%(rater)s declined to review %(person)s in %(cycle)s: %(reason)s. Choose somebody else."
    ),
    category=CATEGORY,
)
register_event(
    RATING_DECLINED_ANONYMOUS,
    title=_("A reviewer of %(person)s declined"),
    body=_(
        "One of the anonymous reviewers of %(person)s in %(cycle)s declined. Choose somebody else."
    ),
    category=CATEGORY,
)
register_event(
    RATING_WITHDRAWN,
    title=_("Your review of %(person)s is no longer needed"),
    body=_("HR withdrew your review of %(person)s in %(cycle)s: %(reason)s."),
    category=CATEGORY,
)
register_event(
    RATINGS_DUE_SOON,
    title=_("Reviews due by %(deadline)s"),
    body=_("You have %(count)s review(s) to submit; the first is due on %(deadline)s."),
    category=CATEGORY,
)
register_event(
    RATINGS_OVERDUE,
    title=_("Reviews overdue"),
    body=_(
        "%(overdue)s of your reviews are overdue, the oldest since %(deadline)s; %(count)s "
        "in all wait for you. Submit them or ask HR for more time."
    ),
    category=CATEGORY,
)
