"""Read content/<language>/ into validated models, collecting every problem instead of stopping at one."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.errors import ContentError
from bot.library.schema import (
    STAGE_ORDER,
    CheckIn,
    Exercise,
    FollowUps,
    Help,
    LanguageInfo,
    Stage,
    Words,
)

BASE_LANGUAGE = "en"
# libyaml's safe loader when PyYAML was built with it: ten times faster on a library of a few hundred files.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


# CLDR's plural categories. A ui string may be a mapping of them to texts, e.g. {one: "{count} member", other:
# "{count} members"}; `by` names the placeholder whose number picks the form (default "count"). `content check`
# asks each language for exactly the categories its CLDR rules use.
PLURAL_CATEGORIES = frozenset({"zero", "one", "two", "few", "many", "other"})
PLURAL_BY = "by"
DEFAULT_PLURAL_BY = "count"


@dataclass(frozen=True, slots=True)
class Plural:
    """A ui string with one text per plural category; `by` is the placeholder holding the number."""

    by: str
    forms: dict[str, str]


def is_plural(value: object) -> bool:
    return (isinstance(value, dict) and "other" in value
            and set(value) <= PLURAL_CATEGORIES | {PLURAL_BY})


@dataclass
class LanguagePack:
    info: LanguageInfo
    exercises: dict[str, Exercise]
    checkin: CheckIn
    help: Help
    followups: FollowUps
    words: Words
    ui: dict[str, str]
    files: dict[str, str] = field(default_factory=dict)  # logical name -> path, for messages
    ui_files: frozenset[str] = frozenset()  # stems of the files in ui/, even empty ones
    plurals: dict[str, Plural] = field(default_factory=dict)  # ui keys with plural forms; ui holds their "other"

    @property
    def folder(self) -> str:
        """The language folder as messages name it, e.g. 'content/sw'."""
        return self.files["language"].rsplit("/", 1)[0]

    def in_stage(self, stage: Stage) -> list[Exercise]:
        return sorted((e for e in self.exercises.values() if e.stage == stage), key=lambda e: (e.order, e.id))


class _Reader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root.parent))
        except ValueError:
            return str(path)

    def yaml(self, path: Path) -> Any:
        try:
            return yaml.load(path.read_text(encoding="utf-8"), Loader=_SafeLoader)  # noqa: S506 (CSafeLoader or SafeLoader)
        except FileNotFoundError:
            self.problems.append(Problem(self.rel(path), "file is missing"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            self.problems.append(Problem(self.rel(path), f"not valid YAML: {exc}".replace("\n", " ")))
        return None

    def model(self, path: Path, model: type[Model]) -> Model | None:
        data = self.yaml(path)
        if data is None:
            return None
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                where = ".".join(str(part) for part in error["loc"]) or "(top)"
                self.problems.append(Problem(self.rel(path), f"{where}: {error['msg']}"))
            return None

    def ui(self, folder: Path) -> tuple[dict[str, str], dict[str, Plural]]:
        strings: dict[str, str] = {}
        plurals: dict[str, Plural] = {}
        if not folder.is_dir():
            self.problems.append(Problem(self.rel(folder), "folder is missing"))
            return strings, plurals
        for path in sorted(folder.iterdir()):
            if path.name.startswith("."):
                continue
            if path.suffix != ".yaml":
                self.problems.append(Problem(self.rel(path), "not a .yaml file; ui/ holds only .yaml files"))
                continue
            data = self.yaml(path)
            if not isinstance(data, dict):
                if data is not None:
                    self.problems.append(Problem(self.rel(path), "must be a mapping of names to texts"))
                continue
            for key, value in _flatten(data, path.stem).items():
                if is_plural(value):
                    plural = self._plural(path, key, value)  # type: ignore[arg-type]
                    if plural is not None:
                        plurals[key] = plural
                        strings[key] = plural.forms["other"]
                elif not isinstance(value, str) or not value.strip():
                    self.problems.append(Problem(self.rel(path), f"{key}: must be a non-empty text"))
                else:
                    strings[key] = value
        return strings, plurals

    def _plural(self, path: Path, key: str, value: dict[str, object]) -> Plural | None:
        by = value.get(PLURAL_BY, DEFAULT_PLURAL_BY)
        forms = {form: text for form, text in value.items() if form != PLURAL_BY}
        if not isinstance(by, str) or not by.isidentifier():
            self.problems.append(Problem(self.rel(path), f"{key}.{PLURAL_BY}: must name a placeholder"))
            return None
        bad = sorted(form for form, text in forms.items() if not isinstance(text, str) or not text.strip())
        if bad:
            self.problems.append(Problem(self.rel(path), f"{key}: plural forms {bad} must be non-empty texts"))
            return None
        return Plural(by, {form: str(text) for form, text in forms.items()})


def _flatten(data: dict[str, Any], prefix: str) -> dict[str, object]:
    flat: dict[str, object] = {}
    for key, value in data.items():
        name = f"{prefix}.{key}"
        if isinstance(value, dict) and not is_plural(value):
            flat.update(_flatten(value, name))
        else:
            flat[name] = value
    return flat


def _read_language(reader: _Reader, folder: Path) -> LanguagePack | None:
    info = reader.model(folder / "language.yaml", LanguageInfo)
    exercises: dict[str, Exercise] = {}
    files: dict[str, str] = {}
    for path in sorted((folder / "exercises").glob("*.yaml")):
        files[f"exercise:{path.stem}"] = reader.rel(path)  # named even when invalid, so it is not "missing" too
        exercise = reader.model(path, Exercise)
        if exercise is None:
            continue
        if exercise.id != path.stem:
            reader.problems.append(Problem(reader.rel(path), f"id {exercise.id!r} differs from the file name"))
        if exercise.id in exercises:
            reader.problems.append(Problem(reader.rel(path), f"duplicate exercise id {exercise.id!r}"))
        exercises[exercise.id] = exercise
        files[f"exercise:{exercise.id}"] = reader.rel(path)
    checkin = reader.model(folder / "checkin.yaml", CheckIn)
    help_card = reader.model(folder / "help.yaml", Help)
    followups = reader.model(folder / "followups.yaml", FollowUps)
    words = reader.model(folder / "words.yaml", Words)
    ui, plurals = reader.ui(folder / "ui")
    for name in ("checkin", "help", "followups", "words", "language"):
        files[name] = reader.rel(folder / f"{name}.yaml")
    if info is None or checkin is None or help_card is None or followups is None or words is None:
        return None
    if info.code != folder.name:
        reader.problems.append(Problem(files["language"], f"code {info.code!r} differs from the folder name"))
    ui_files = frozenset(p.stem for p in (folder / "ui").glob("*.yaml"))
    return LanguagePack(info, exercises, checkin, help_card, followups, words, ui, files, ui_files, plurals)


def read_library(root: Path) -> tuple[dict[str, LanguagePack], list[Problem]]:
    """Read every language folder under root; return the packs that loaded and every problem found."""
    reader = _Reader(root)
    packs: dict[str, LanguagePack] = {}
    if not root.is_dir():
        return packs, [Problem(str(root), "content folder is missing")]
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if not (folder / "language.yaml").exists():
            reader.problems.append(Problem(reader.rel(folder), "a language folder needs a language.yaml"))
            continue
        pack = _read_language(reader, folder)
        if pack is not None:
            packs[folder.name] = pack
    if BASE_LANGUAGE not in packs and not any(p.file.startswith(BASE_LANGUAGE) for p in reader.problems):
        reader.problems.append(Problem(str(root), f"the base language {BASE_LANGUAGE!r} is missing"))
    return packs, reader.problems


def load_packs(root: Path) -> dict[str, LanguagePack]:
    """Load the library for serving: any problem stops start-up with the first one named."""
    packs, problems = read_library(root)
    if problems:
        more = f" (and {len(problems) - 1} more: run `python -m bot content check`)" if len(problems) > 1 else ""
        raise ContentError(f"{problems[0]}{more}")
    return packs


__all__ = ["BASE_LANGUAGE", "STAGE_ORDER", "LanguagePack", "Plural", "Problem", "load_packs", "read_library"]
