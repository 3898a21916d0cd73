"""Hooks later apps register to take part in a cycle's phase changes.

Reviews comes before calibration and results in the cycle, so it cannot import them; they
register here instead (in their ``AppConfig.ready``):

- a *guard* runs before the open phase closes and raises ``ValidationError`` to stop the
  change (calibration: every session of the cycle closed before results);
- an *opened* hook runs inside the same transaction right after a phase opened (results:
  the published results are written when the results phase opens).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pms.core.audit import Actor
    from pms.reviews.models import Cycle

# (cycle, closing phase, opening phase); raises ValidationError to refuse
Guard = Callable[["Cycle", str, str], None]
# (actor, cycle, opened phase)
Opened = Callable[["Actor", "Cycle", str], None]

_guards: dict[str, Guard] = {}
_opened: dict[str, Opened] = {}


def register_phase_guard(name: str, guard: Guard) -> None:
    _guards[name] = guard


def register_phase_opened(name: str, hook: Opened) -> None:
    _opened[name] = hook


def run_guards(cycle: Cycle, closing: str, opening: str) -> None:
    for guard in _guards.values():
        guard(cycle, closing, opening)


def run_opened(actor: Actor, cycle: Cycle, phase: str) -> None:
    for hook in _opened.values():
        hook(actor, cycle, phase)
