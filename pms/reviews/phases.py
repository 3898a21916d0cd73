"""Which phase a rater type answers in, and whether a phase is open for one review.

A cycle runs its phases in order (``PHASE_ORDER``); ``Cycle.phase`` is the open one while the
cycle runs. HR may open a phase again for one person (``PhaseExtension``) until a date, with
a reason: that person's raters of that phase may then answer although the cycle moved on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from pms.reviews.models import (
    PHASE_ORDER,
    Cycle,
    CycleStatus,
    Phase,
    PhaseExtension,
    RaterType,
)

PHASE_OF_TYPE: dict[str, str] = {
    RaterType.SELF: Phase.SELF,
    RaterType.PEER: Phase.PEER,
    RaterType.UPWARD: Phase.PEER,
    RaterType.CROSS: Phase.PEER,
    RaterType.MANAGER: Phase.MANAGER,
    RaterType.DOTTED: Phase.MANAGER,
    RaterType.SKIP: Phase.MANAGER,
}

# Peers are nominated and approved before the peer phase opens.
NOMINATION_PHASES: tuple[str, ...] = (Phase.GOALS, Phase.SELF)


def phase_index(phase: str) -> int:
    return PHASE_ORDER.index(phase)


def next_phase(phase: str) -> str | None:
    index = phase_index(phase)
    return PHASE_ORDER[index + 1] if index + 1 < len(PHASE_ORDER) else None


def cycle_in_phase(cycle: Cycle, phase: str) -> bool:
    return cycle.status == CycleStatus.RUNNING and cycle.phase == phase


def phase_reached(cycle: Cycle, phase: str) -> bool:
    """The cycle is at ``phase`` or past it (a closed cycle is past every phase)."""
    if cycle.status == CycleStatus.CLOSED:
        return True
    if cycle.status != CycleStatus.RUNNING:
        return False
    return phase_index(cycle.phase) >= phase_index(phase)


def phase_passed(cycle: Cycle, phase: str) -> bool:
    if cycle.status == CycleStatus.CLOSED:
        return True
    return cycle.status == CycleStatus.RUNNING and phase_index(cycle.phase) > phase_index(phase)


def open_for(
    cycle: Cycle,
    phase: str,
    extensions: Iterable[PhaseExtension],
    today: dt.date,
) -> bool:
    """Whether ``phase`` is open for one review: the cycle is in it, or HR opened it for
    this person until a day not yet past (and the cycle still runs)."""
    if cycle.status != CycleStatus.RUNNING:
        return False
    if cycle.phase == phase:
        return True
    return any(ext.phase == phase and ext.until >= today for ext in extensions)


def results_released(cycle: Cycle) -> bool:
    """The reviewee sees their result once the cycle reaches the results phase."""
    return phase_reached(cycle, Phase.RESULTS)
