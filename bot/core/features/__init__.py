"""The features, in one explicit ordered list: the engine routes commands and choices to them."""

from __future__ import annotations

from bot.core.features.base import Feature
from bot.core.features.broadcast import BroadcastFeature
from bot.core.features.checkin import CheckIn
from bot.core.features.checkon import CheckOnFeature
from bot.core.features.cohorts import Cohorts
from bot.core.features.facilitator import Facilitator
from bot.core.features.help import Help
from bot.core.features.hide import Hide
from bot.core.features.join import Join
from bot.core.features.journey import JourneyFeature
from bot.core.features.language import Language
from bot.core.features.menu import Menu
from bot.core.features.mood import Mood
from bot.core.features.move import Move
from bot.core.features.offer import OfferFeature
from bot.core.features.onboarding import Onboarding
from bot.core.features.privacy import Privacy
from bot.core.features.reflect import Reflect
from bot.core.features.reminders import Reminders
from bot.core.features.stats import StatsFeature
from bot.core.features.support import Support


def all_features() -> list[Feature]:
    return [
        Onboarding(),
        Privacy(),
        Hide(),
        Move(),
        Help(),
        Menu(),
        Language(),
        CheckIn(),
        Reflect(),
        JourneyFeature(),
        Mood(),
        Reminders(),
        Facilitator(),
        Cohorts(),
        Join(),
        Support(),
        CheckOnFeature(),
        OfferFeature(),
        BroadcastFeature(),
        StatsFeature(),
    ]
