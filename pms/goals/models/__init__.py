"""The plan stage: periods, the indicator library, the strategy cascade, scorecards,
templates, agreement and signature, and versioned goal adjustments.

A ``Goal`` is one row whatever its level (company / department / individual) and kind
(KPI, key task, OKR objective, key result); ``parent`` links the cascade and, for a key
result, its objective. Individual goals live on a ``Scorecard`` (one per person and
period). Once a goal is agreed, every change goes through a ``GoalAdjustment`` and leaves a
``GoalVersion``, so scores can be computed against the version in force for each part of
the period.
"""

from __future__ import annotations

from pms.goals.models.adjustments import (
    EXTERNAL_REASONS,
    OPEN_ADJUSTMENT,
    AdjustmentDecision,
    AdjustmentStatus,
    Decision,
    DecisionStep,
    GoalAdjustment,
    ReasonCategory,
    ReasonCode,
)
from pms.goals.models.fields import (
    PERCENT,
    default_rule,
)
from pms.goals.models.goals import (
    Goal,
    GoalKind,
    GoalLevel,
    GoalStatus,
    GoalVersion,
    Section,
)
from pms.goals.models.library import (
    Aggregation,
    DataSource,
    Direction,
    EntryBy,
    Frequency,
    Indicator,
    Perspective,
)
from pms.goals.models.periods import (
    Period,
    PeriodKind,
    PeriodStatus,
)
from pms.goals.models.scorecards import (
    AGREED_SCORECARD,
    EDITABLE_SCORECARD,
    Comment,
    CommentKind,
    Scorecard,
    ScorecardStatus,
    Signature,
    SignerRole,
)
from pms.goals.models.templates import (
    RunStatus,
    ScorecardTemplate,
    TemplateItem,
    TemplateRun,
)

__all__ = [
    "AGREED_SCORECARD",
    "EDITABLE_SCORECARD",
    "EXTERNAL_REASONS",
    "OPEN_ADJUSTMENT",
    "PERCENT",
    "AdjustmentDecision",
    "AdjustmentStatus",
    "Aggregation",
    "Comment",
    "CommentKind",
    "DataSource",
    "Decision",
    "DecisionStep",
    "Direction",
    "EntryBy",
    "Frequency",
    "Goal",
    "GoalAdjustment",
    "GoalKind",
    "GoalLevel",
    "GoalStatus",
    "GoalVersion",
    "Indicator",
    "Period",
    "PeriodKind",
    "PeriodStatus",
    "Perspective",
    "ReasonCategory",
    "ReasonCode",
    "RunStatus",
    "Scorecard",
    "ScorecardStatus",
    "ScorecardTemplate",
    "Section",
    "Signature",
    "SignerRole",
    "TemplateItem",
    "TemplateRun",
    "default_rule",
]
