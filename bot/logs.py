"""Logging that keeps the promise "logs never hold message text or identifiers", at every level and format.

Libraries log generously at DEBUG: PTB and httpx print request URLs (the bot token is in every Bot API URL)
and bodies (chat ids, message text), aiosqlite prints each statement with its parameters, pywa prints
payloads, uvicorn names client IPs and query strings. A filter on every handler drops their records below
WARNING, and masks bot tokens, long digit runs (chat ids, phone numbers) and the configured secrets in
whatever is left, ours included.
LOG_FORMAT=json writes the same records as one JSON object per line, for log collectors.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import TextIO

from pydantic import SecretStr
from pythonjsonlogger.json import JsonFormatter

from bot.config import Settings

LIBRARIES = frozenset({"telegram", "httpx", "httpcore", "aiosqlite", "pywa", "pywa_async", "hpack", "h11",
                       "matplotlib", "PIL", "uvicorn"})
# The web server's loggers: they write through the root handler only (uvicorn's own default set-up gives them
# handlers of their own that no filter guards). Its access and connection lines, which name client IPs and
# query strings, are INFO and below, so the library rule drops them.
WEB_SERVER = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
BOT_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")
LONG_NUMBER = re.compile(r"(?<![\w.])\+?\d{6,}(?![\w.])")


class PrivateLogFilter(logging.Filter):
    """Drops libraries' chatter below WARNING; masks tokens, ids and secrets in every record it passes."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets: set[str] = {s for s in secrets if s}

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<secret>")
        text = BOT_TOKEN.sub("<token>", text)
        return LONG_NUMBER.sub("<number>", text)

    def filter(self, record: logging.LogRecord) -> bool:
        library = record.name.split(".", 1)[0] in LIBRARIES
        if library and record.levelno < logging.WARNING:
            return False
        record.msg = self.mask(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        record.exc_info = None  # else the JSON formatter formats the traceback afresh, unmasked, from exc_info
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True


def formatter(log_format: str = "text") -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                             rename_fields={"levelname": "level", "name": "logger"})
    return logging.Formatter(FORMAT)


def configure_logging(level: int = logging.INFO, stream: TextIO | None = None,
                      log_format: str = "text") -> PrivateLogFilter:
    """One handler on the root logger (replacing any earlier one), with the privacy filter; returns the filter
    to add secrets to."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(log_format))
    private = PrivateLogFilter()
    handler.addFilter(private)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in WEB_SERVER:
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines show request URLs, bot token included
    return private


def settings_secrets(settings: Settings) -> set[str]:
    """The secret values among the settings (tokens, app secret, DATA_KEY), to be masked wherever they appear."""
    found = set()
    for value in vars(settings).values():
        if isinstance(value, SecretStr) and len(value.get_secret_value()) >= 8:
            found.add(value.get_secret_value())
    return found
