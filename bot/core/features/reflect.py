"""/reflect: suggest the next exercise of the person's stage, run it step by step, record completion."""

from __future__ import annotations

from dataclasses import replace

from bot.core.features.base import Feature, Turn, key
from bot.core.journey import Journey, journey_of
from bot.core.messages import Choice, Reply
from bot.errors import StaleChoice
from bot.library.schema import STAGE_ORDER, Exercise, Stage

STEP_STATE = "reflect.step"  # a step that asks for words of the person's own
CHOOSE_STATE = "reflect.choose"  # a step answered by a choice (or by "Next")
BROWSE_STATE = "reflect.browse"  # choosing a stage or an exercise
MAX_ANSWER_CHARS = 1000
SKIPPED = object()  # a question the person skipped: stored as null


async def load_journey(turn: Turn) -> Journey:
    contact = turn.require_contact()
    completions = await turn.store.completions.for_contact(contact.id)
    totals = {stage: len(turn.library.base.in_stage(stage)) for stage in STAGE_ORDER}
    return journey_of(completions, totals)


class Reflect(Feature):
    name = "reflect"
    commands = ("reflect",)

    async def on_command(self, turn: Turn, command: str, args: str) -> list[Reply]:
        journey = await load_journey(turn)
        stage = journey.current
        done = journey.progress(stage).done
        exercises = turn.library.exercises_in(turn.language, stage)
        suggestion = next((e for e in exercises if e.id not in done), exercises[0] if exercises else None)
        choices = [Choice(key("reflect", "stages"), turn.t("reflect.btn_other_stage"))]
        await turn.set_state(BROWSE_STATE)
        ever_done = frozenset().union(*(progress.done for progress in journey.stages))
        core = next((e for e in turn.library.core_exercises(turn.language) if e.id not in ever_done), None)
        if core is not None:  # lead with the anti-stigma core until it is walked, whatever the stage
            suggestion = core
            text = turn.t("reflect.suggest_core", stage=turn.t(f"stages.{core.stage}"), title=core.title,
                          minutes=core.minutes, summary=core.summary)
        elif suggestion is None:
            return [Reply(turn.t("reflect.choose_stage"), self._stage_choices(turn))]
        else:
            text = turn.t("reflect.suggest", stage=turn.t(f"stages.{stage}"), title=suggestion.title,
                          minutes=suggestion.minutes, summary=suggestion.summary)
        choices.insert(0, Choice(key("reflect", "go", suggestion.id), turn.t("reflect.btn_start")))
        choices.append(Choice("menu:journey", turn.t("menu.btn_journey")))
        return [Reply(text, tuple(choices))]

    def awaits_text(self, state: str) -> bool:
        return state == STEP_STATE

    def _stage_choices(self, turn: Turn) -> tuple[Choice, ...]:
        return tuple(Choice(key("reflect", "stage", s), turn.t(f"stages.{s}")) for s in STAGE_ORDER)

    async def on_choice(self, turn: Turn, parts: list[str]) -> list[Reply]:
        turn.require_contact()
        match parts:
            case ["stages"]:
                await turn.set_state(BROWSE_STATE)
                return [Reply(turn.t("reflect.choose_stage"), self._stage_choices(turn))]
            case ["stage", stage] if stage in set(STAGE_ORDER):
                exercises = turn.library.exercises_in(turn.language, Stage(stage))
                choices = tuple(Choice(key("reflect", "go", e.id), e.title) for e in exercises)
                await turn.set_state(BROWSE_STATE)
                return [Reply(turn.t("reflect.choose_exercise", stage=turn.t(f"stages.{stage}")), choices)]
            case ["go", exercise_id] if turn.library.exercise(turn.language, exercise_id) is not None:
                await self._to_step(turn, exercise_id, 0, [])
                return [self._step(turn)]
            case ["next", exercise_id, index] if self._at(turn, exercise_id, index):
                return [replace(reply, in_place=True) for reply in await self._advance(turn, None)]
            case ["skip", exercise_id, index] if self._at(turn, exercise_id, index):
                return [replace(reply, in_place=True) for reply in await self._advance(turn, SKIPPED)]
            case ["ans", exercise_id, index, choice] if self._at(turn, exercise_id, index):
                step = self._exercise(turn).steps[int(index)]
                if not choice.isdigit() or int(choice) >= len(step.choices):
                    raise StaleChoice("reflect")
                return await self._advance(turn, step.choices[int(choice)])
        raise StaleChoice("reflect")

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        data = turn.conversation.data
        if turn.conversation.state == BROWSE_STATE:
            return await self.on_command(turn, "reflect", "")
        exercise = self._exercise(turn)
        step = exercise.steps[int(data["i"])]
        if step.ask != "text":
            return [Reply(turn.t("reflect.tap_a_choice")), self._step(turn)]
        answer = text.strip()
        if len(answer) <= MAX_ANSWER_CHARS:
            return await self._advance(turn, answer)
        replies = await self._advance(turn, answer[:MAX_ANSWER_CHARS])
        return [Reply(turn.t("typed.shortened", max=MAX_ANSWER_CHARS)), *replies]

    def _at(self, turn: Turn, exercise_id: str, index: str) -> bool:
        data = turn.conversation.data
        return (turn.conversation.state in (STEP_STATE, CHOOSE_STATE) and data.get("ex") == exercise_id
                and str(data.get("i")) == index)

    async def _to_step(self, turn: Turn, exercise_id: str, index: int, answers: list[str]) -> None:
        """Text steps take typed words as the answer; at the others a typed reply is matched to the choices."""
        exercise = turn.library.exercise(turn.language, exercise_id)
        asks_text = exercise is not None and index < len(exercise.steps) and exercise.steps[index].ask == "text"
        await turn.set_state(STEP_STATE if asks_text else CHOOSE_STATE,
                             {"ex": exercise_id, "i": index, "answers": answers})

    def _exercise(self, turn: Turn) -> Exercise:
        exercise = turn.library.exercise(turn.language, str(turn.conversation.data.get("ex")))
        if exercise is None:
            raise StaleChoice("reflect")
        return exercise

    def _step(self, turn: Turn) -> Reply:
        exercise = self._exercise(turn)
        index = int(turn.conversation.data["i"])
        step = exercise.steps[index]
        header = turn.t("reflect.step_header", title=exercise.title, number=index + 1, total=len(exercise.steps))
        text = f"{header}\n\n{step.text}"
        if step.ask == "choice":
            choices = tuple(Choice(key("reflect", "ans", exercise.id, index, j), label)
                            for j, label in enumerate(step.choices))
        elif step.ask == "text":
            text += "\n\n" + turn.t("reflect.type_answer")
            choices = (Choice(key("reflect", "skip", exercise.id, index), turn.t("reflect.btn_skip")),)
        else:
            choices = (Choice(key("reflect", "next", exercise.id, index), turn.t("reflect.btn_next")),)
        return Reply(text, choices)

    async def _advance(self, turn: Turn, answer: object) -> list[Reply]:
        """Go to the next step with the answer (a str, SKIPPED, or None where nothing was asked).

        A skipped question is kept as null (shown as skipped), never as a translated word.
        """
        contact = turn.require_contact()
        exercise = self._exercise(turn)
        data = dict(turn.conversation.data)
        answers = list(data.get("answers", []))
        if answer is not None and contact.keep_notes:
            answers.append(None if answer is SKIPPED else answer)
        index = int(data["i"]) + 1
        if index < len(exercise.steps):
            await self._to_step(turn, exercise.id, index, answers)
            return [self._step(turn)]
        kept = answers if contact.keep_notes and any(a is not None for a in answers) else None
        await turn.store.completions.add(contact.id, exercise.id, exercise.stage, turn.now(), kept)
        await turn.clear_state()
        return [Reply(exercise.closing), Reply(turn.t("reflect.done"), (
            Choice("menu:journey", turn.t("menu.btn_journey")),
            Choice(key("reflect", "stages"), turn.t("reflect.btn_another")),
            Choice("menu:checkin", turn.t("menu.btn_checkin")),
        ))]
