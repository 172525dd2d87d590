"""The WhatsApp Cloud API channel (pywa's async client for sending; our own webhook routes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.channels.whatsapp.channel import WEBHOOK_PATH, WhatsAppChannel
from bot.channels.whatsapp.graph import Graph, template_language
from bot.channels.whatsapp.sender import Messenger, TemplateSettings, WhatsAppSender
from bot.errors import ConfigError
from bot.scheduling.pace import Pace

if TYPE_CHECKING:
    from bot.app import Services

__all__ = ["WEBHOOK_PATH", "WhatsAppChannel", "open_whatsapp"]


def open_whatsapp(services: Services) -> WhatsAppChannel:
    """Build the channel from the four WHATSAPP_* settings, the base URL and the template settings."""
    settings = services.settings
    if not settings.whatsapp_enabled:
        raise ConfigError("WHATSAPP_*: set all four of the WhatsApp settings")
    assert settings.whatsapp_access_token and settings.whatsapp_app_secret and settings.whatsapp_verify_token
    assert settings.whatsapp_phone_number_id
    locales = settings.whatsapp_template_locales
    for code in locales.values():
        template_language(code)
    graph = Graph(settings.whatsapp_api_base_url, settings.whatsapp_phone_number_id,
                  settings.whatsapp_access_token.get_secret_value(),
                  pace=Pace(settings.whatsapp_messages_per_second))
    messenger = Messenger(graph, services.library, services.store.vault.callback_key, services.store.whatsapp,
                          services.clock)
    template = TemplateSettings(settings.whatsapp_template_name, locales, services.engine.default_language)
    sender = WhatsAppSender(messenger, services.clock, template)
    return WhatsAppChannel(services.engine, services.store, services.clock, sender,
                           phone_number_id=settings.whatsapp_phone_number_id,
                           app_secret=settings.whatsapp_app_secret.get_secret_value(),
                           verify_token=settings.whatsapp_verify_token.get_secret_value())
