"""Pure scoring math: attainment, goal and scorecard scores, prorating, progress, SMART checks.

Plain functions on plain data — no Django, no ORM, no gettext — so the rules are defined
once, property-tested with hypothesis and fast enough to run over a whole company at once.
Errors, steps and findings carry codes (``ERROR_CODES``, ``STEP_CODES``, ``FINDING_CODES``)
that the Django layer translates.
"""

from pms.scoring.adjustment import (
    DEFAULT_LIMIT,
    change_ratio,
    weight_change_points,
    weight_within_limit,
    within_limit,
)
from pms.scoring.attainment import LOWER_CEILING, Direction, attainment, explain_attainment
from pms.scoring.errors import ERROR_CODES, ScoringError
from pms.scoring.progress import coverage, rollup
from pms.scoring.rules import (
    DEFAULT_RULE,
    GRADES,
    RULE_TYPES,
    BandsRule,
    DeductionRule,
    GoalInput,
    GoalScore,
    LinearRule,
    Milestone,
    MilestoneRule,
    PassFailRule,
    Rule,
    VetoRule,
    parse_rule,
    rule_to_data,
    score_goal,
)
from pms.scoring.scorecard import (
    Contribution,
    ScorecardScore,
    WeightCheck,
    WeightedItem,
    check_weights,
    objective_score,
    scorecard_score,
)
from pms.scoring.smart import FINDING_CODES, Finding, GoalDraft, Severity, check_goal
from pms.scoring.steps import ATTAINMENT_METHODS, STEP_CODES, Step
from pms.scoring.versions import Segment, prorate, split_period

__all__ = [
    "ATTAINMENT_METHODS",
    "DEFAULT_LIMIT",
    "DEFAULT_RULE",
    "ERROR_CODES",
    "FINDING_CODES",
    "GRADES",
    "LOWER_CEILING",
    "RULE_TYPES",
    "STEP_CODES",
    "BandsRule",
    "Contribution",
    "DeductionRule",
    "Direction",
    "Finding",
    "GoalDraft",
    "GoalInput",
    "GoalScore",
    "LinearRule",
    "Milestone",
    "MilestoneRule",
    "PassFailRule",
    "Rule",
    "ScorecardScore",
    "ScoringError",
    "Segment",
    "Severity",
    "Step",
    "VetoRule",
    "WeightCheck",
    "WeightedItem",
    "attainment",
    "change_ratio",
    "check_goal",
    "check_weights",
    "coverage",
    "explain_attainment",
    "objective_score",
    "parse_rule",
    "prorate",
    "rollup",
    "rule_to_data",
    "score_goal",
    "scorecard_score",
    "split_period",
    "weight_change_points",
    "weight_within_limit",
    "within_limit",
]
