from __future__ import annotations

from pathlib import Path

import yaml

from bot.library.check import callback_problem, check_library, exercise_keys, language_keys
from bot.library.loader import read_library
from tests.helpers import CONTENT
from tests.library.helpers import run_cli


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems(root: Path) -> list[str]:
    return [str(p) for p in check_library(root)]


def test_the_real_library_passes() -> None:
    assert problems(CONTENT) == []


def test_the_copy_passes_before_it_is_broken(library: Path) -> None:
    assert problems(library) == []


def test_a_planted_spanish_label_is_named_with_its_alternative(library: Path) -> None:
    edit(library / "es/exercises/more-than-one.yaml", "Nunca es toda la persona.", "Un adicto nunca es solo eso.")
    assert problems(library) == [
        "content/es/exercises/more-than-one.yaml: steps.1.text: stigmatising word 'adicto'; "
        "say 'persona que usa drogas' instead"
    ]


def test_a_planted_french_label_is_caught_in_a_ui_string(library: Path) -> None:
    edit(library / "fr/ui/menu.yaml", "Qu'est-ce que tu veux faire ?", "Qu'est-ce que tu veux faire, Toxicomane ?")
    assert problems(library) == [
        "content/fr/ui/menu.yaml: menu.title: stigmatising word 'toxicomane'; "
        "say 'personne qui consomme des drogues' instead"
    ]


def test_stigma_words_match_whole_words_only(library: Path) -> None:
    edit(library / "fr/exercises/more-than-one.yaml", "Tout ça, c'est toi.", "Tout ça, c'est toi, sans toxine.")
    assert problems(library) == []


def test_english_stigma_words_hold_in_every_language(library: Path) -> None:
    edit(library / "es/checkin.yaml", "Bien\"", "Clean\"")
    assert any("es/checkin.yaml: moods.4.label: stigmatising word 'clean'" in p for p in problems(library))


def test_a_missing_translation_is_reported(library: Path) -> None:
    (library / "es/exercises/good-thing.yaml").unlink()
    edit(library / "fr/ui/reflect.yaml", 'btn_another: "Un autre exercice"\n', "")
    (library / "fr/ui/stages.yaml").unlink()
    assert problems(library) == [
        "content/es/exercises/good-thing.yaml: missing: English has this exercise",
        "content/fr/ui/stages.yaml: missing: English has this file",
        "content/fr/ui/reflect.yaml: reflect.btn_another: missing (English has it)",
    ]


def test_extra_strings_and_files_are_reported(library: Path) -> None:
    (library / "es/ui/extra.yaml").write_text("hola: Hola\n", encoding="utf-8")
    edit(library / "es/ui/menu.yaml", 'title:', 'btn_nuevo: "Nuevo"\ntitle:')
    assert problems(library) == [
        "content/es/ui/extra.yaml: extra: English has no such file",
        "content/es/ui/menu.yaml: menu.btn_nuevo: extra (English has no such string)",
    ]


def test_a_too_long_button_label_is_reported(library: Path) -> None:
    edit(library / "es/ui/menu.yaml", 'btn_help: "🆘 Ayuda"', 'btn_help: "🆘 Ayuda ahora mismo, por favor"')
    edit(library / "fr/exercises/reconnect.yaml", '"Cette semaine"', '"Dans le courant de la semaine"')
    edit(library / "fr/ui/stages.yaml", 'self: "Soi"', 'self: "Soi-même et mon histoire à moi"')
    found = problems(library)
    assert len(found) == 3
    assert found[0].startswith("content/es/ui/menu.yaml: menu.btn_help: button label '🆘 Ayuda ahora mismo")
    assert found[1] == ("content/fr/exercises/reconnect.yaml: steps.4.choices.2: choice label "
                        "'Dans le courant de la semaine' is 29 characters, over 20")
    assert found[2].startswith("content/fr/ui/stages.yaml: stages.self: button label")


def test_a_too_long_title_fails_the_schema(library: Path) -> None:
    edit(library / "es/exercises/reconnect.yaml", 'title: "Volver a escribir"',
         'title: "Volver a escribir a alguien querido"')
    assert problems(library) == ["content/es/exercises/reconnect.yaml: title: String should have at most 24 characters"]


def test_placeholders_must_match_english_in_every_text(library: Path) -> None:
    edit(library / "es/ui/journey.yaml", "{done} de {total}", "{hechos} de {total}")
    edit(library / "fr/followups.yaml", "Déjà une semaine 🌿", "Déjà une semaine, {name} 🌿")
    assert problems(library) == [
        "content/es/ui/journey.yaml: journey.line: placeholders ['hechos', 'mark', 'stage', 'total'] differ from "
        "English ['done', 'mark', 'stage', 'total']",
        "content/fr/followups.yaml: steps.day-7: placeholders ['name'] differ from English []",
    ]


def test_a_follow_up_pointing_at_a_missing_exercise_is_reported(library: Path) -> None:
    for code in ("en", "es", "fr"):
        edit(library / f"{code}/followups.yaml", "exercise: energy-audit", "exercise: energy-check")
    assert problems(library) == [
        f"content/{code}/followups.yaml: day-21: exercise 'energy-check' does not exist" for code in ("en", "es", "fr")
    ]


def test_follow_ups_must_match_english(library: Path) -> None:
    edit(library / "es/followups.yaml", "day: 21", "day: 22")
    edit(library / "fr/followups.yaml", "id: day-90", "id: day-91")
    assert problems(library) == [
        "content/es/followups.yaml: day-21: day, hour or exercise differ from English",
        "content/fr/followups.yaml: day-90: missing (English has this follow-up)",
        "content/fr/followups.yaml: day-91: extra (English has no such follow-up)",
    ]


def test_a_lock_screen_line_must_not_name_anything_sensitive(library: Path) -> None:
    edit(library / "en/followups.yaml", "One week already 🌿", "One week since the workshop 🌿")
    edit(library / "es/ui/notify.yaml", "Un mensaje de tu grupo 📬", "Un mensaje sobre drogas 📬")
    assert problems(library) == [
        "content/en/followups.yaml: steps.day-7: the first 2 lines show on a lock screen and must not name "
        "'workshop'; move it further down",
        "content/es/ui/notify.yaml: notify.broadcast_header: the first 2 lines show on a lock screen and must not "
        "name 'drogas'; move it further down",
    ]


def test_the_second_line_shows_on_a_lock_screen_too(library: Path) -> None:
    """A notification preview shows two lines: the old lint read only the first one."""
    edit(library / "en/ui/notify.yaml", "One tap is enough", "One tap is enough, workshop friend")
    edit(library / "fr/followups.yaml", "Regarde en arrière", "Regarde en arrière sur ta consommation")
    assert problems(library) == [
        "content/en/ui/notify.yaml: notify.reminder: the first 2 lines show on a lock screen and must not name "
        "'workshop'; move it further down",
        "content/fr/followups.yaml: steps.day-7: the first 2 lines show on a lock screen and must not name "
        "'consommation'; move it further down",
    ]


def test_the_daily_nudge_is_linted_as_a_proactive_text(library: Path) -> None:
    edit(library / "es/ui/remind.yaml", "Un registro rápido", "¿Sin drogas hoy? Un registro rápido")
    assert any(p.startswith("content/es/ui/remind.yaml: remind.nudge: the first 2 lines show on a lock screen "
                            "and must not name 'drogas'") for p in problems(library))


def test_the_third_line_may_say_more(library: Path) -> None:
    edit(library / "en/followups.yaml", "And maybe send a hello", "And maybe send a workshop hello")
    assert problems(library) == []


def test_an_exercise_with_a_different_shape_is_reported(library: Path) -> None:
    edit(library / "fr/exercises/reconnect.yaml", "minutes: 3", "minutes: 4")
    edit(library / "es/exercises/reconnect.yaml", "    ask: choice\n", "    ask: text\n")
    edit(library / "es/exercises/reconnect.yaml", '    choices: ["Hoy", "Esta semana", "Todavía no"]\n', "")
    assert problems(library) == [
        "content/es/exercises/reconnect.yaml: steps.4: question kind or number of choices differs from English",
        "content/fr/exercises/reconnect.yaml: stage, order, lilo_step, minutes or core differ from English",
    ]


def test_a_command_word_must_mean_one_command_in_every_language(library: Path) -> None:
    edit(library / "es/words.yaml", "help: [ayuda]", "help: [ayuda, menu]")
    assert problems(library) == ["content/es/words.yaml: commands: 'menu' means 'help' here but 'menu' in 'en'"]


def test_a_folder_without_language_file_and_bad_yaml_are_reported(library: Path) -> None:
    (library / "de").mkdir()
    (library / "es/ui/menu.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    found = problems(library)
    assert "content/de: a language folder needs a language.yaml" in found
    assert any(p.startswith("content/es/ui/menu.yaml: not valid YAML") for p in found)


def test_a_stage_too_long_for_one_list_is_reported(library: Path) -> None:
    source = yaml.safe_load((library / "en/exercises/good-thing.yaml").read_text(encoding="utf-8"))
    for number in range(5):
        for code in ("en", "es", "fr"):
            copy = {**source, "id": f"good-thing-{number}", "order": 20 + number}
            (library / f"{code}/exercises/good-thing-{number}.yaml").write_text(yaml.safe_dump(copy),
                                                                              encoding="utf-8")
    found = problems(library)
    assert "content/en/exercises: stage self has 12 exercises; a WhatsApp list shows at most 10" in found


def test_every_choice_key_of_the_real_library_fits_telegram_callback_data() -> None:
    packs, _ = read_library(CONTENT)
    for pack in packs.values():
        keys = [*language_keys(pack.info.code), *(k for e in pack.exercises.values() for k in exercise_keys(e))]
        assert [callback_problem(key) for key in keys] == [None] * len(keys)


def test_a_key_too_long_for_callback_data_is_explained() -> None:
    reason = callback_problem("reflect:ans:" + "x" * 40 + ":0:0")
    assert reason is not None
    assert "56 bytes (66 once signed)" in reason
    assert "64-byte" in reason


def test_the_command_exits_1_with_one_line_per_problem(library: Path, tmp_path: Path) -> None:
    edit(library / "es/exercises/more-than-one.yaml", "Nunca es toda la persona.", "Nunca es solo un adicto.")
    (library / "fr/exercises/good-thing.yaml").unlink()
    result = run_cli("content", "check", content=library, tmp_path=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert all(line.startswith("content/") and ": " in line for line in lines)
    assert "2 problem(s)" in result.stderr


def test_the_command_passes_on_the_real_library(tmp_path: Path) -> None:
    result = run_cli("content", "check", content=CONTENT, tmp_path=tmp_path)
    assert (result.returncode, result.stdout.strip()) == (0, "content OK")


def test_the_extended_stigma_lists_are_enforced(library: Path) -> None:
    edit(library / "fr/ui/menu.yaml", 'title: "', 'title: "Les crackeux et les accros : ')
    edit(library / "es/exercises/reconnect.yaml", 'title: "Volver a escribir"', 'title: "Un piedrero escribe"')
    found = problems(library)
    assert any("fr/ui/menu.yaml: menu.title: stigmatising word 'crackeux'" in p for p in found)
    assert any("fr/ui/menu.yaml: menu.title: stigmatising word 'accros'" in p for p in found)
    assert any("es/exercises/reconnect.yaml: title: stigmatising word 'piedrero'" in p for p in found)


def test_advocacy_phrases_are_not_blocked_but_the_label_still_is(library: Path) -> None:
    edit(library / "en/ui/menu.yaml", 'title: "', 'title: "We document police abuse and abuse of power. ')
    assert problems(library) == []
    edit(library / "en/ui/menu.yaml", "We document police abuse", "We document drug abuse")
    assert any("menu.title: stigmatising word 'drug abuse'" in p for p in problems(library))
