"""Every kind of outbox message and its renderer, in one place: the dispatcher sends with it, and discreet mode's
"Open" shows with it what a plain greeting stood for."""

from __future__ import annotations

from bot.core.i18n import Library
from bot.core.peers import SupportMessages
from bot.core.ports import Store
from bot.core.proactive.checkon import CheckOnMessages
from bot.core.proactive.render import Renderers


def all_renderers(store: Store, library: Library) -> Renderers:
    renderers = Renderers(store, library)
    SupportMessages(store, library).register(renderers)
    CheckOnMessages(store, library).register(renderers)
    return renderers
