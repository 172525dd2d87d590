"""Import-direction rules: the core knows no engine and no transport; storage knows only the domain."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import bot.storage.store
from bot.core import ports
from bot.storage.store import Store
from tests.helpers import ROOT

CORE_FORBIDDEN = ("bot.storage", "bot.scheduling", "bot.channels", "bot.app", "bot.web", "bot.cli",
                  "telegram", "pywa", "pywa_async", "starlette", "httpx", "aiosqlite", "psycopg", "sqlite3")
STORAGE_ALLOWED = ("bot.storage", "bot.core.domain", "bot.errors")


def imports(folder: str) -> list[tuple[str, str]]:
    """(file, imported module) for every import anywhere in the files under bot/<folder>, even inside
    functions and TYPE_CHECKING blocks."""
    found = []
    for path in sorted((ROOT / "bot" / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found += [(str(path.relative_to(ROOT)), alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append((str(path.relative_to(ROOT)), node.module))
    return found


def under(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def test_the_core_imports_no_engine_no_scheduler_no_channel_and_no_transport() -> None:
    bad = [(f, m) for f, m in imports("core") if under(m, CORE_FORBIDDEN)]
    assert bad == []


def test_storage_imports_only_the_domain() -> None:
    bad = [(f, m) for f, m in imports("storage") if m.startswith("bot") and not under(m, STORAGE_ALLOWED)]
    assert bad == []


def test_the_rules_catch_a_violation(tmp_path: Path) -> None:
    """The checker itself sees an import hidden in a function."""
    source = "def f():\n    from bot.storage.store import Store\n"
    found = [n.module for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ImportFrom)]
    assert found == ["bot.storage.store"] and under("bot.storage.store", CORE_FORBIDDEN)


REPOSITORIES = [name for name, _ in inspect.getmembers(ports.Store) if not name.startswith("_")
                and isinstance(getattr(ports.Store, name), property) and name != "vault"]


@pytest.mark.parametrize("name", REPOSITORIES)
def test_each_storage_repository_offers_what_its_port_asks(name: str) -> None:
    """Method by method, the same names and parameters (mypy checks the types where the Store is passed)."""
    port = inspect.signature(getattr(ports.Store, name).fget).return_annotation
    port_class = getattr(ports, port) if isinstance(port, str) else port
    source = inspect.getsource(Store.__init__)
    class_name = next(line.split("= ")[1].split("(")[0] for line in source.splitlines()
                      if line.strip().startswith(f"self.{name} ="))
    concrete = getattr(bot.storage.store, class_name)
    for method, member in inspect.getmembers(port_class, inspect.isfunction):
        if method.startswith("_"):
            continue
        assert hasattr(concrete, method), f"{class_name} lacks {method}"
        wanted = list(inspect.signature(member).parameters)
        have = list(inspect.signature(getattr(concrete, method)).parameters)
        assert have == wanted, f"{class_name}.{method}"
