"""Where a person stands on SELF → RELATIONSHIP → LEADERSHIP → ORGANISATION → COMMUNITY.

Derived from completed exercises only, so progress never resets: a stage counts as walked once two of its
exercises are done, and the current stage is the first one not yet walked.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.domain import CompletionRecord
from bot.library.schema import STAGE_ORDER, Stage

DONE_PER_STAGE = 2


@dataclass(frozen=True, slots=True)
class StageProgress:
    stage: Stage
    done: frozenset[str]
    total: int

    @property
    def walked(self) -> bool:
        return len(self.done) >= min(DONE_PER_STAGE, self.total)


@dataclass(frozen=True, slots=True)
class Journey:
    stages: tuple[StageProgress, ...]

    @property
    def current(self) -> Stage:
        for progress in self.stages:
            if not progress.walked:
                return progress.stage
        return STAGE_ORDER[-1]

    def progress(self, stage: Stage) -> StageProgress:
        return next(p for p in self.stages if p.stage == stage)


def journey_of(completions: list[CompletionRecord], totals: dict[Stage, int]) -> Journey:
    done: dict[str, set[str]] = {stage: set() for stage in STAGE_ORDER}
    for record in completions:
        done.setdefault(record.stage, set()).add(record.exercise_id)
    return Journey(tuple(StageProgress(s, frozenset(done[s]), totals.get(s, 0)) for s in STAGE_ORDER))
