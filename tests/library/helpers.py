"""Run the real command line as a subprocess, the way a translator or CI does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT, TEST_KEY


def run_cli(*args: str, content: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CONTENT_DIR": str(content), "DATA_KEY": TEST_KEY,
           "DATABASE_PATH": str(tmp_path / "cli.db")}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60, check=False)
