"""The project's small exception hierarchy, caught at the edges (CLI, channels, engine)."""


class CompanionError(Exception):
    """Base of every error the companion raises on purpose."""


class ConfigError(CompanionError):
    """A setting is missing or has a bad value; the message names the setting."""


class ContentError(CompanionError):
    """The content library cannot be loaded."""


class StaleChoice(CompanionError):
    """A pressed choice does not fit the person's current state (old, forged or foreign)."""


class BadInput(CompanionError):
    """Input that a feature cannot use; the message is an i18n key for a kind answer."""

    def __init__(self, key: str = "errors.bad_input") -> None:
        super().__init__(key)
        self.key = key
