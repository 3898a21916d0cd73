"""Demo data beyond the organisation: later apps register a step here from their
``AppConfig.ready`` and ``seed_demo`` runs them in order after the company is written.

The organisation app cannot import the apps built on it, so this registry is the hook.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DemoStep:
    name: str
    # (seed) -> one line saying what was written
    run: Callable[[int], str]
    order: int


_STEPS: dict[str, DemoStep] = {}


def register_demo_step(name: str, run: Callable[[int], str], *, order: int = 100) -> None:
    _STEPS[name] = DemoStep(name=name, run=run, order=order)


def demo_steps() -> list[DemoStep]:
    return sorted(_STEPS.values(), key=lambda step: (step.order, step.name))
