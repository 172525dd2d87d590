"""Telegram through python-telegram-bot: the channel, its Sender and its rendering of Replies."""

from bot.channels.telegram.channel import TelegramChannel, build_application
from bot.channels.telegram.sender import TelegramSender

__all__ = ["TelegramChannel", "TelegramSender", "build_application"]
