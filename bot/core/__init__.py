"""The channel-agnostic core: it never imports a transport (telegram, pywa, starlette)."""
