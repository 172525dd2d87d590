"""/reflect: suggest the next exercise of the person's stage, run it step by step, record completion."""

from __future__ import annotations

from dataclasses import replace

from bot.core.features.base import Feature, Turn, key
from bot.core.journey import Journey, journey_of
from bot.core.messages import Choice, Reply
from bot.errors import StaleChoice
from bot.library.schema import STAGE_ORDER, Exercise, Stage

STEP_STATE = "reflect.step"
MAX_ANSWER_CHARS = 1000


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
        if suggestion is None:
            return [Reply(turn.t("reflect.choose_stage"), self._stage_choices(turn))]
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
                return [Reply(turn.t("reflect.choose_stage"), self._stage_choices(turn))]
            case ["stage", stage] if stage in set(STAGE_ORDER):
                exercises = turn.library.exercises_in(turn.language, Stage(stage))
                choices = tuple(Choice(key("reflect", "go", e.id), e.title) for e in exercises)
                return [Reply(turn.t("reflect.choose_exercise", stage=turn.t(f"stages.{stage}")), choices)]
            case ["go", exercise_id] if turn.library.exercise(turn.language, exercise_id) is not None:
                await turn.set_state(STEP_STATE, {"ex": exercise_id, "i": 0, "answers": []})
                return [self._step(turn)]
            case [("next" | "skip") as action, exercise_id, index] if self._at(turn, exercise_id, index):
                answer = turn.t("reflect.skipped") if action == "skip" else None
                return [replace(reply, in_place=True) for reply in await self._advance(turn, answer)]
            case ["ans", exercise_id, index, choice] if self._at(turn, exercise_id, index):
                step = self._exercise(turn).steps[int(index)]
                if not choice.isdigit() or int(choice) >= len(step.choices):
                    raise StaleChoice("reflect")
                return await self._advance(turn, step.choices[int(choice)])
        raise StaleChoice("reflect")

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        data = turn.conversation.data
        exercise = self._exercise(turn)
        step = exercise.steps[int(data["i"])]
        if step.ask != "text":
            return [Reply(turn.t("reflect.tap_a_choice")), self._step(turn)]
        return await self._advance(turn, text.strip()[:MAX_ANSWER_CHARS])

    def _at(self, turn: Turn, exercise_id: str, index: str) -> bool:
        data = turn.conversation.data
        return (turn.conversation.state == STEP_STATE and data.get("ex") == exercise_id
                and str(data.get("i")) == index)

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

    async def _advance(self, turn: Turn, answer: str | None) -> list[Reply]:
        contact = turn.require_contact()
        exercise = self._exercise(turn)
        data = dict(turn.conversation.data)
        answers = list(data.get("answers", []))
        if answer is not None and contact.keep_notes:
            answers.append(answer)
        index = int(data["i"]) + 1
        if index < len(exercise.steps):
            await turn.set_state(STEP_STATE, {"ex": exercise.id, "i": index, "answers": answers})
            return [self._step(turn)]
        await turn.store.completions.add(contact.id, exercise.id, exercise.stage, turn.now(),
                                         answers if contact.keep_notes else None)
        await turn.clear_state()
        return [Reply(exercise.closing), Reply(turn.t("reflect.done"), (
            Choice("menu:journey", turn.t("menu.btn_journey")),
            Choice(key("reflect", "stages"), turn.t("reflect.btn_another")),
            Choice("menu:checkin", turn.t("menu.btn_checkin")),
        ))]
