"""Plural forms by CLDR's rules in all five languages; `content check` asks each language for its categories."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.core.i18n import Library, plural_categories
from bot.library.check import check_library
from tests.helpers import CONTENT

LIBRARY = Library.load(CONTENT)


@pytest.mark.parametrize(("language", "count", "expected"), [
    ("en", 1, "1 member —"), ("en", 0, "0 members —"), ("en", 2, "2 members —"),
    ("es", 1, "1 miembro —"), ("es", 0, "0 miembros —"), ("es", 1_000_000, "1000000 de miembros —"),
    ("fr", 1, "1 membre —"), ("fr", 0, "0 membre —"), ("fr", 2, "2 membres —"), ("fr", 1_000_000, "1000000 de membres"),
    ("pt", 1, "1 membro —"), ("pt", 3, "3 membros —"), ("pt", 1_000_000, "1000000 de membros —"),
    ("sw", 1, "mwanachama 1 —"), ("sw", 4, "wanachama 4 —"),
])
def test_a_count_takes_the_languages_plural_form(language: str, count: int, expected: str) -> None:
    line = LIBRARY.text(language, "cohorts.line", name="Spring", date="2026-01-15", members=count, code="AB12",
                        status="open")
    assert expected in line and "(s)" not in line


@pytest.mark.parametrize(("language", "one", "two"), [
    ("en", "to 1 person 📣", "to 2 people 📣"),
    ("es", "a 1 persona 📣", "a 2 personas 📣"),
    ("fr", "vers 1 personne 📣", "vers 2 personnes 📣"),
    ("pt", "de 1 pessoa 📣", "de 2 pessoas 📣"),
    ("sw", "kwa mtu 1 📣", "kwa watu 2 📣"),
])
def test_broadcast_counts_people_in_every_language(language: str, one: str, two: str) -> None:
    assert one in LIBRARY.text(language, "broadcast.sent_now", recipients=1)
    assert two in LIBRARY.text(language, "broadcast.sent_now", recipients=2)


@pytest.mark.parametrize(("language", "once", "one_day"), [
    ("en", "once", "1 day"), ("es", "una vez", "1 día"), ("fr", "1 fois", "1 jour"), ("pt", "1 vez", "1 dia"),
    ("sw", "mara 1", "siku 1"),
])
def test_mood_summary_pieces(language: str, once: str, one_day: str) -> None:
    assert LIBRARY.text(language, "mood.times", count=1) == once
    assert LIBRARY.text(language, "mood.days", count=1) == one_day


def test_no_text_says_s_in_brackets() -> None:
    for language, pack in LIBRARY.packs.items():
        texts = [*pack.ui.values(), *(form for p in pack.plurals.values() for form in p.forms.values())]
        assert not [t for t in texts if "(s)" in t], language


def test_every_language_has_the_plural_forms_cldr_asks_for() -> None:
    assert plural_categories("en") == {"one", "other"}
    assert plural_categories("sw") == {"one", "other"}
    assert plural_categories("fr") == {"one", "many", "other"}
    for pack in LIBRARY.packs.values():
        for plural in pack.plurals.values():
            assert set(plural.forms) == plural_categories(pack.info.code)


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    return root


def test_content_check_names_a_missing_plural_form(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    path = root / "es" / "ui" / "cohorts.yaml"
    text = path.read_text(encoding="utf-8")
    many = next(line for line in text.splitlines() if line.startswith("  many:") and "de miembros — código" in line)
    path.write_text(text.replace(many + "\n", ""), encoding="utf-8")
    problems = [str(p) for p in check_library(root)]
    assert any("cohorts.line: needs the plural forms ['many']" in p for p in problems), problems


def test_content_check_wants_plural_forms_where_english_has_them(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    path = root / "sw" / "ui" / "mood.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('times:\n  one: "mara {count}"\n  other: "mara {count}"', 'times: "mara {count}"')
    path.write_text(text, encoding="utf-8")
    problems = [str(p) for p in check_library(root)]
    assert any("mood.times: needs plural forms, as in English" in p for p in problems), problems


def test_content_check_refuses_a_form_a_language_never_uses(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    path = root / "en" / "ui" / "mood.yaml"
    text = path.read_text(encoding="utf-8").replace('  one: "once"', '  one: "once"\n  few: "a few times"')
    path.write_text(text, encoding="utf-8")
    problems = [str(p) for p in check_library(root)]
    assert any("mood.times: ['few'] never used in en" in p for p in problems), problems
