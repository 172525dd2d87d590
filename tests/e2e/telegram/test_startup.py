"""Start-up: the command menu per language (only commands the engine has) and a refused token."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from bot.app import Services
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram.commands import command_menu
from bot.core.engine import Engine
from bot.core.features import all_features
from bot.errors import ConfigError
from tests.e2e.fake_telegram import FakeTelegram

pytestmark = pytest.mark.both_engines


async def test_the_menu_lists_only_commands_that_exist(services: Services, fake: FakeTelegram,
                                                       telegram: TelegramChannel) -> None:
    calls = fake.calls_of("setMyCommands")
    languages = [call.params.get("language_code") for call in calls]
    assert languages == [code for code, _ in services.library.languages] + [None]
    for call in calls:
        names = [command["command"] for command in call.params["commands"]]
        assert names and all(services.engine.has_command(name) for name in names)
        assert names[:2] == ["menu", "checkin"]
        assert "forget" in names
    english = calls[0].params["commands"]
    assert {"command": "checkin", "description": "Check in with how you feel"} in english


async def test_a_command_without_a_feature_is_not_listed(services: Services, fake: FakeTelegram,
                                                         telegram: TelegramChannel) -> None:
    names = {c["command"] for call in fake.calls_of("setMyCommands") for c in call.params["commands"]}
    assert {"offer", "support"} <= names
    without = Engine(services.store, services.library, services.clock,
                     [feature for feature in all_features() if feature.name != "offer"])
    assert "commands.offer" in services.library.base.ui
    assert "offer" not in {command.command for command in command_menu(without, "en")}


async def test_a_token_the_server_refuses_is_a_clear_config_error(services: Services, fake: FakeTelegram) -> None:
    services.settings.telegram_bot_token = SecretStr("999:not-the-token")
    channel = TelegramChannel(services)
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN"):
        await channel.start()
    await channel.stop()


async def test_polling_removes_a_webhook_left_from_webhook_mode(fake: FakeTelegram, telegram: TelegramChannel) -> None:
    assert fake.calls_of("deleteWebhook")
    assert fake.calls_of("setWebhook") == []
    await fake.wait_for(lambda: fake.calls_of("getUpdates"))
    assert fake.calls_of("getUpdates")[0].params["allowed_updates"] == ["message", "callback_query"]
