from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import build_services, open_channels
from bot.channels.whatsapp import WhatsAppChannel
from bot.config import load_settings
from bot.errors import ConfigError
from tests.fakes.whatsapp import whatsapp_settings


def test_template_locales_default_and_override(tmp_path: Path) -> None:
    settings = whatsapp_settings(tmp_path, "http://127.0.0.1:1")
    assert settings.whatsapp_template_name == "companion_nudge"
    assert settings.whatsapp_template_locales["pt"] == "pt_BR"
    changed = whatsapp_settings(tmp_path, "http://127.0.0.1:1", whatsapp_template_languages="en=en_US, pt=pt_PT")
    assert changed.whatsapp_template_locales == {"en": "en_US", "sw": "sw", "fr": "fr", "es": "es", "pt": "pt_PT"}


@pytest.mark.parametrize(("name", "value"), [("whatsapp_template_languages", "en:en_US"),
                                             ("whatsapp_template_languages", "=en"),
                                             ("whatsapp_template_name", "Companion Nudge")])
def test_bad_template_settings_name_the_setting(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name.upper()):
        load_settings(_env_file=None, database_path=tmp_path / "db", **{name: value})


async def test_open_channels_builds_whatsapp_and_refuses_unknown_locales(tmp_path: Path) -> None:
    services = await build_services(whatsapp_settings(tmp_path, "http://127.0.0.1:1"))
    try:
        [channel] = await open_channels(services)
        assert isinstance(channel, WhatsAppChannel)
        await channel.stop()
        services.settings = whatsapp_settings(tmp_path, "http://127.0.0.1:1", whatsapp_template_languages="sw=xx_YY")
        with pytest.raises(ConfigError, match="WHATSAPP_TEMPLATE_LANGUAGES"):
            await open_channels(services)
    finally:
        await services.close()


async def test_replies_and_the_outbox_share_the_numbers_budget(tmp_path: Path) -> None:
    """WhatsApp's throughput is per business number: one Pace at WHATSAPP_MESSAGES_PER_SECOND for both."""
    services = await build_services(whatsapp_settings(tmp_path, "http://127.0.0.1:1", whatsapp_messages_per_second=40))
    try:
        [channel] = await open_channels(services)
        assert isinstance(channel, WhatsAppChannel)
        pace = channel.messenger.graph.pace
        assert pace is not None and pace.interval == 1 / 40
        assert getattr(channel.sender, "paces_itself", False), "the dispatcher does not pace it a second time"
        await channel.stop()
    finally:
        await services.close()


def test_whatsapp_throughput_stays_within_metas_ceiling(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="WHATSAPP_MESSAGES_PER_SECOND"):
        load_settings(_env_file=None, database_path=tmp_path / "db", whatsapp_messages_per_second=5000)
