"""Reviews (多维度评估): cycles and their phases, templates, raters and answers, results.

A ``Cycle`` reviews the people its rules select, each in a ``Review`` with the template
edition that fits them (position, then role family, then the default). A ``Rating`` is one
rater's part; ``Answer`` rows hold what they said. ``ReviewResult`` editions hold the
computed score with its explanation. Scoring itself is ``pms.scoring`` (pure functions).
"""

from __future__ import annotations

from pms.reviews.models.cycles import (
    PHASE_ORDER,
    CompositeScheme,
    Cycle,
    CycleKind,
    CyclePhase,
    CycleStatus,
    Phase,
    PhaseExtension,
    PhaseStatus,
    Review,
    ReviewStatus,
)
from pms.reviews.models.ratings import (
    LIVE_RATING,
    OPEN_RATING,
    Answer,
    IdentityAccess,
    Rating,
    RatingStatus,
)
from pms.reviews.models.results import (
    RecomputeRun,
    RecomputeStatus,
    ResultKind,
    ReviewResult,
    ReviewSettings,
)
from pms.reviews.models.templates import (
    DEFAULT_ANONYMOUS,
    DEFAULT_RATER_WEIGHTS,
    MANAGER_TYPES,
    MULTI_RATER_TYPES,
    RATED_SECTIONS,
    RaterType,
    ReviewTemplate,
    SectionKind,
    TemplateItem,
    TemplateSection,
    TemplateStatus,
)

__all__ = [
    "DEFAULT_ANONYMOUS",
    "DEFAULT_RATER_WEIGHTS",
    "LIVE_RATING",
    "MANAGER_TYPES",
    "MULTI_RATER_TYPES",
    "OPEN_RATING",
    "PHASE_ORDER",
    "RATED_SECTIONS",
    "Answer",
    "CompositeScheme",
    "Cycle",
    "CycleKind",
    "CyclePhase",
    "CycleStatus",
    "IdentityAccess",
    "Phase",
    "PhaseExtension",
    "PhaseStatus",
    "RaterType",
    "Rating",
    "RatingStatus",
    "RecomputeRun",
    "RecomputeStatus",
    "ResultKind",
    "Review",
    "ReviewResult",
    "ReviewSettings",
    "ReviewStatus",
    "ReviewTemplate",
    "SectionKind",
    "TemplateItem",
    "TemplateSection",
    "TemplateStatus",
]
