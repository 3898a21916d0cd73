"""The nine-box grid (九宫格): performance × potential → one of nine boxes.

Rules (they define the product's numbers, DESIGN.md §5):

Both axes have three levels, ``low`` < ``mid`` < ``high``. Performance comes from the
person's grade through a mapping (``DEFAULT_PERFORMANCE_LEVELS``: S, A → high; B → mid;
C, D → low); potential is assessed directly. A mapping must give every grade of the
grade list a level (``grade_unmapped``), name only those grades (``bad_grade``), use known
levels (``unknown_box_level``) and never give a better grade a lower level than a worse
one (``box_levels_not_ordered``).

Boxes are numbered 1–9: box = 3 × potential + performance + 1, with low = 0, mid = 1,
high = 2. Drawn with potential rising upwards and performance to the right, the grid reads

    potential high   7 enigma       8 growth        9 star
              mid    4 inconsistent 5 core          6 high_performer
              low    1 risk         2 effective     3 trusted_professional
                     low            mid             high   ← performance

so box 9 (high/high) is the "star" and box 1 (low/low) the risk. Each box has a stable
code (``BOX_CODES``); the Django layer gives it a translated name. Steps say which level
the grade gave and which box resulted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from pms.scoring.errors import ScoringError
from pms.scoring.rules import GRADES
from pms.scoring.steps import Step

__all__ = [
    "BOX_CODES",
    "BOX_LEVELS",
    "DEFAULT_PERFORMANCE_LEVELS",
    "BoxLevel",
    "NineBox",
    "box_levels",
    "box_number",
    "check_performance_levels",
    "nine_box",
]


class BoxLevel(StrEnum):
    LOW = "low"
    MID = "mid"
    HIGH = "high"


# Lowest first: the index is the level's coordinate on the grid.
BOX_LEVELS: tuple[str, ...] = tuple(level.value for level in BoxLevel)

BOX_CODES: Mapping[int, str] = MappingProxyType(
    {
        1: "risk",  # low performance, low potential
        2: "effective",  # mid performance, low potential
        3: "trusted_professional",  # high performance, low potential
        4: "inconsistent",  # low performance, mid potential
        5: "core",  # mid performance, mid potential
        6: "high_performer",  # high performance, mid potential
        7: "enigma",  # low performance, high potential
        8: "growth",  # mid performance, high potential
        9: "star",  # high performance, high potential
    }
)

DEFAULT_PERFORMANCE_LEVELS: Mapping[str, BoxLevel] = MappingProxyType(
    {
        "S": BoxLevel.HIGH,
        "A": BoxLevel.HIGH,
        "B": BoxLevel.MID,
        "C": BoxLevel.LOW,
        "D": BoxLevel.LOW,
    }
)


@dataclass(frozen=True)
class NineBox:
    performance: BoxLevel
    potential: BoxLevel
    box: int  # 1–9
    code: str  # BOX_CODES[box]
    steps: tuple[Step, ...]


def _level(value: object) -> BoxLevel:
    if isinstance(value, str) and value in BOX_LEVELS:
        return BoxLevel(value)
    raise ScoringError("unknown_box_level", {"level": str(value), "levels": ", ".join(BOX_LEVELS)})


def check_performance_levels(
    mapping: Mapping[str, str], grades: Sequence[str] = GRADES
) -> dict[str, BoxLevel]:
    """The mapping grade → level (in the grades' order), or ``ScoringError``."""
    for grade in mapping:
        if grade not in grades:
            raise ScoringError("bad_grade", {"grade": grade, "grades": ", ".join(grades)})
    checked: dict[str, BoxLevel] = {}
    previous: BoxLevel | None = None
    for grade in grades:  # best first
        if grade not in mapping:
            raise ScoringError("grade_unmapped", {"grade": grade})
        level = _level(mapping[grade])
        if previous is not None and BOX_LEVELS.index(level) > BOX_LEVELS.index(previous):
            raise ScoringError("box_levels_not_ordered", {"grade": grade})
        checked[grade] = previous = level
    return checked


def box_number(performance: str, potential: str) -> int:
    """The box (1–9) of a performance and a potential level."""
    return 3 * BOX_LEVELS.index(_level(potential)) + BOX_LEVELS.index(_level(performance)) + 1


def box_levels(box: int) -> tuple[BoxLevel, BoxLevel]:
    """The (performance, potential) levels of a box, the inverse of ``box_number``."""
    if box not in BOX_CODES:
        raise ScoringError("out_of_range", {"field": "box", "min": "1", "max": "9"})
    potential, performance = divmod(box - 1, 3)
    return BoxLevel(BOX_LEVELS[performance]), BoxLevel(BOX_LEVELS[potential])


def nine_box(
    grade: str,
    potential: str,
    mapping: Mapping[str, str] = DEFAULT_PERFORMANCE_LEVELS,
    grades: Sequence[str] = GRADES,
) -> NineBox:
    """The box of a person with ``grade`` and assessed ``potential``."""
    levels = check_performance_levels(mapping, grades)
    if grade not in levels:
        raise ScoringError("bad_grade", {"grade": grade, "grades": ", ".join(grades)})
    performance = levels[grade]
    assessed = _level(potential)
    box = box_number(performance, assessed)
    steps = (
        Step("ninebox_performance", {"grade": grade, "level": str(performance)}),
        Step(
            "ninebox_box",
            {
                "performance": str(performance),
                "potential": str(assessed),
                "box": str(box),
                "code": BOX_CODES[box],
            },
        ),
    )
    return NineBox(
        performance=performance, potential=assessed, box=box, code=BOX_CODES[box], steps=steps
    )
