"""How a goal's progress came about, in sentences, from the explanation stored with it."""

from __future__ import annotations

from pms.scoring.errors import ScoringError
from pms.tracking.models import GoalProgress
from pms.tracking.pace_compute import pace_from_json
from pms.tracking.pace_text import explain_pace, pace_error_message, pace_sentences


def progress_headline(progress: GoalProgress) -> list[str]:
    """The pace in a few sentences: where it stands, what is needed, the forecast."""
    stored = progress.explanation.get("pace")
    result = pace_from_json(stored) if isinstance(stored, dict) else None
    return pace_sentences(result) if result is not None else []


def progress_sentences(progress: GoalProgress) -> list[str]:
    """Every step of the computation, for "how was this computed"."""
    explanation = progress.explanation
    error = explanation.get("error")
    if isinstance(error, str) and error != "no_target":
        return [pace_error_message(ScoringError(error, explanation.get("params") or {}))]
    stored = explanation.get("pace")
    result = pace_from_json(stored) if isinstance(stored, dict) else None
    return explain_pace(result) if result is not None else []
