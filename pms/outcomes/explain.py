"""A published result in words: "how was this decided", from the steps kept with it.

The steps are codes with string values (``services.results``); their sentences are
``pms.outcomes.wording``'s, registered with ``pms.goals.rules.register_wording``. An
appeal's step is said without its reason to whoever may not read appeals (the person's
managers). Nothing is computed again here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from pms.goals.rules import explain_step
from pms.outcomes.models import PerformanceResult
from pms.outcomes.wording import APPEAL_WITHOUT_REASON
from pms.scoring.steps import Step

__all__ = ["result_sentences", "step_sentence"]


def step_sentence(data: Mapping[str, Any], *, with_appeal_reason: bool = True) -> str:
    """One stored step (``{"code", "values"}``) as a translated sentence."""
    code = str(data.get("code", ""))
    values = {str(k): str(v) for k, v in dict(data.get("values") or {}).items()}
    if code == "result_appeal" and not with_appeal_reason:
        return str(APPEAL_WITHOUT_REASON) % defaultdict(str, values)
    return explain_step(Step(code, values))


def result_sentences(result: PerformanceResult, *, with_appeal_reason: bool) -> list[str]:
    steps = (result.explanation or {}).get("steps") or []
    return [step_sentence(step, with_appeal_reason=with_appeal_reason) for step in steps]
