"""Goal versions re-baselined during a period, combined by the days each was in force.

When a goal is adjusted mid-period (a new target from 1 May), each version is scored on its
own and the period score is the day-weighted mean, so neither the old nor the new target
counts for the whole period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

from pms.scoring.decimals import ZERO, plain, q2
from pms.scoring.errors import ScoringError
from pms.scoring.steps import Step

__all__ = ["Segment", "prorate", "split_period"]


@dataclass(frozen=True)
class Segment:
    """One version's stretch of the period, both ends inclusive."""

    start: date
    end: date
    score: Decimal | None
    label: str = ""

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def prorate(segments: Sequence[Segment]) -> tuple[Decimal | None, tuple[Step, ...]]:
    """Day-weighted mean of the segment scores, over the segments that have a score.

    Unscored segments are left out and the rest renormalised (a version nobody scored is
    not a zero); None when no segment has a score. Gaps between segments are allowed,
    overlaps are not: a day cannot belong to two versions.
    """
    for segment in segments:
        if segment.end < segment.start:
            raise ScoringError(
                "segment_inverted",
                {"start": segment.start.isoformat(), "end": segment.end.isoformat()},
            )
    ordered = sorted(segments, key=lambda segment: (segment.start, segment.end))
    for first, second in pairwise(ordered):
        if second.start <= first.end:
            raise ScoringError(
                "segments_overlap",
                {"first": first.start.isoformat(), "second": second.start.isoformat()},
            )

    steps: list[Step] = []
    weighted = ZERO
    days = 0
    for segment in ordered:
        values = {
            "label": segment.label,
            "start": segment.start.isoformat(),
            "end": segment.end.isoformat(),
            "days": str(segment.days),
        }
        if segment.score is None:
            steps.append(Step("segment_unscored", values))
            continue
        steps.append(Step("segment", {**values, "score": plain(segment.score)}))
        weighted += segment.score * segment.days
        days += segment.days
    if days == 0:
        return None, tuple(steps)
    result = q2(weighted / days)
    steps.append(Step("prorate", {"days": str(days), "result": plain(result)}))
    return result, tuple(steps)


def split_period(start: date, end: date, changes: Sequence[date]) -> list[tuple[date, date]]:
    """[start, end] cut before each change date (a version valid from that date).

    Dates outside the period, and the start itself, do not cut; duplicates count once.
    """
    if end < start:
        raise ScoringError("period_inverted", {"start": start.isoformat(), "end": end.isoformat()})
    cuts = sorted({change for change in changes if start < change <= end})
    pieces: list[tuple[date, date]] = []
    piece_start = start
    for cut in cuts:
        pieces.append((piece_start, cut - timedelta(days=1)))
        piece_start = cut
    pieces.append((piece_start, end))
    return pieces
