from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import CONTENT


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A small copy of the real library (English, Spanish, French) to break on purpose."""
    root = tmp_path / "content"
    for code in ("en", "es", "fr"):
        shutil.copytree(CONTENT / code, root / code)
    return root
