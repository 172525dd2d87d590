"""The command menu Telegram shows beside the text box, in each language of the library."""

from __future__ import annotations

import logging

from telegram import BotCommand
from telegram.error import TelegramError

from bot.channels.telegram.render import Bot
from bot.core.engine import Engine

log = logging.getLogger(__name__)

PREFIX = "commands."


def command_menu(engine: Engine, language: str) -> list[BotCommand]:
    """Commands that exist in the engine and have a description in ui/commands.yaml, in that file's order.

    Facilitator commands stay out of the shared menu: people who use them know them.
    """
    library = engine.library
    menu = []
    for key in library.base.ui:
        command = key.removeprefix(PREFIX)
        if not key.startswith(PREFIX) or not engine.has_command(command):
            continue
        if command in engine.by_command[command].facilitator_only:
            continue
        menu.append(BotCommand(command, library.text(language, key)))
    return menu


async def publish_commands(bot: Bot, engine: Engine) -> None:
    """Set the menu for every library language, and the default language's menu for everyone else."""
    try:
        for code, _ in engine.library.languages:
            await bot.set_my_commands(command_menu(engine, code), language_code=code)
        await bot.set_my_commands(command_menu(engine, engine.default_language))
    except TelegramError as exc:
        log.warning("could not publish the command menu (%s); the bot works without it", type(exc).__name__)
