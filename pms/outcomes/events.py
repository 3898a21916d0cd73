"""The notifications results send. A message to a person is about their own result and
names nobody else; a message to an appeal's handler does not name the appellant either
(chat robots may post it where colleagues read), the page behind the link does.

Several areas register their events here; append yours at the end.
"""

from django.utils.translation import gettext_lazy as _

from pms.comms.events import register_category, register_event

CATEGORY = "results"

register_category(CATEGORY, label=_("Results"))

# --- publication and confirmation -----------------------------------------------------------

RESULT_PUBLISHED = "outcomes.result_published"
RESULT_CORRECTED = "outcomes.result_corrected"

register_event(
    RESULT_PUBLISHED,
    title=_("Your result for %(cycle)s is published"),
    body=_(
        "Your performance result for %(cycle)s is published. Read it and confirm it by "
        "%(confirm_by)s; if you disagree, you may appeal until %(appeal_until)s."
    ),
    category=CATEGORY,
)
register_event(
    RESULT_CORRECTED,
    title=_("Your result for %(cycle)s was corrected"),
    body=_("HR corrected your performance result for %(cycle)s: %(reason)s"),
    category=CATEGORY,
)

# --- interviews -----------------------------------------------------------------------------

INTERVIEW_SCHEDULED = "outcomes.interview_scheduled"
INTERVIEW_RECORDED = "outcomes.interview_recorded"

register_event(
    INTERVIEW_SCHEDULED,
    title=_("Performance interview on %(when)s"),
    body=_("%(manager)s set your performance interview for %(cycle)s on %(when)s, %(place)s."),
    category=CATEGORY,
)
register_event(
    INTERVIEW_RECORDED,
    title=_("Your interview record waits for you"),
    body=_(
        "%(manager)s wrote down your performance interview for %(cycle)s. Add your opinion "
        "and sign it."
    ),
    category=CATEGORY,
)

# --- appeals --------------------------------------------------------------------------------

APPEAL_ASSIGNED = "outcomes.appeal_assigned"
APPEAL_UPHELD = "outcomes.appeal_upheld"
APPEAL_ADJUSTED = "outcomes.appeal_adjusted"

register_event(
    APPEAL_ASSIGNED,
    title=_("An appeal to decide by %(due)s"),
    body=_("An appeal against a result of %(cycle)s is yours to handle; decide it by %(due)s."),
    category=CATEGORY,
)
register_event(
    APPEAL_UPHELD,
    title=_("Your appeal for %(cycle)s is decided"),
    body=_("Your result for %(cycle)s stays as it was: %(decision)s"),
    category=CATEGORY,
)
register_event(
    APPEAL_ADJUSTED,
    title=_("Your appeal for %(cycle)s is decided"),
    body=_(
        "Your result for %(cycle)s was adjusted to grade %(grade)s, score %(score)s: %(decision)s"
    ),
    category=CATEGORY,
)

# --- plans: improvement (PIP) and development (IDP) -----------------------------------------
# Being on an improvement plan is confidential, and chat robots post in group chats with
# the person mentioned: messages about a PIP never say "improvement plan", name nobody and
# carry no reasons or outcomes; the page behind the link does.

PLANS_CATEGORY = "plans"

register_category(PLANS_CATEGORY, label=_("Improvement and development plans"))

PIP_STARTED = "outcomes.pip_started"
PIP_EXTENDED = "outcomes.pip_extended"
PIP_CLOSED = "outcomes.pip_closed"
PIP_CANCELLED = "outcomes.pip_cancelled"
PIP_CHECKPOINT_DUE = "outcomes.pip_checkpoint_due"
PIP_CHECKPOINT_OVERDUE = "outcomes.pip_checkpoint_overdue"
IDP_SUGGESTED = "outcomes.idp_suggested"
IDP_AGREED = "outcomes.idp_agreed"

register_event(
    PIP_STARTED,
    title=_("A plan waits for you to read and sign"),
    body=_(
        "A plan for you runs from %(start)s to %(end)s. Read its goals and the support "
        "offered, and sign that you have read it."
    ),
    category=PLANS_CATEGORY,
)
register_event(
    PIP_EXTENDED,
    title=_("A plan of yours is extended"),
    body=_("A plan of yours now ends on %(end)s. Open it to read why."),
    category=PLANS_CATEGORY,
)
register_event(
    PIP_CLOSED,
    title=_("A plan of yours is closed"),
    body=_("A plan of yours was closed on %(day)s. Open it to read the outcome."),
    category=PLANS_CATEGORY,
)
register_event(
    PIP_CANCELLED,
    title=_("A plan of yours is cancelled"),
    body=_("A plan of yours was cancelled on %(day)s. Open it to read why."),
    category=PLANS_CATEGORY,
)
register_event(
    PIP_CHECKPOINT_DUE,
    title=_("A checkpoint is due today"),
    body=_(
        "The day-%(day)s checkpoint of a plan you lead is due today (%(due)s). Hold it "
        "and record what you found."
    ),
    category=PLANS_CATEGORY,
)
register_event(
    PIP_CHECKPOINT_OVERDUE,
    title=_("A checkpoint is overdue"),
    body=_(
        "The day-%(day)s checkpoint of a plan you lead was due on %(due)s and is not recorded yet."
    ),
    category=PLANS_CATEGORY,
)
register_event(
    IDP_SUGGESTED,
    title=_("A development plan for you"),
    body=_(
        "%(by)s started a development plan for you. It is yours: change it as you see "
        "fit, then ask your manager to agree it."
    ),
    category=PLANS_CATEGORY,
)
register_event(
    IDP_AGREED,
    title=_("Your development plan is agreed"),
    body=_("%(manager)s agreed your development plan “%(title)s”."),
    category=PLANS_CATEGORY,
)

# --- development plans: mentors -------------------------------------------------------------
# A mentor sees only the actions they mentor (never the rest of the plan): the message
# names the person, not the plan's title or goals, and links to the mentor's own list.

IDP_MENTOR_NAMED = "outcomes.idp_mentor_named"

register_event(
    IDP_MENTOR_NAMED,
    title=_("You mentor a development action"),
    body=_(
        "%(person)s's development plan is agreed and names you as the mentor of an "
        "action. Open the actions you mentor to see what it is."
    ),
    category=PLANS_CATEGORY,
)

# --- development plans: submitting for agreement --------------------------------------------
# The person submits their plan; the manager who may agree it is told and agrees it or
# returns it with a reason, which the person is told.

IDP_SUBMITTED = "outcomes.idp_submitted"
IDP_RETURNED = "outcomes.idp_returned"

register_event(
    IDP_SUBMITTED,
    title=_("A development plan waits for your agreement"),
    body=_(
        "%(person)s submitted the development plan “%(title)s”. Read it, then agree it or "
        "return it with what to change."
    ),
    category=PLANS_CATEGORY,
)
register_event(
    IDP_RETURNED,
    title=_("Your development plan is returned"),
    body=_("%(manager)s returned your development plan “%(title)s”: %(reason)s"),
    category=PLANS_CATEGORY,
)
