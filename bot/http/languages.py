"""A visitor's language from Accept-Language (kept in the core, so the web chat shares it)."""

from bot.core.accept_language import from_accept_language

__all__ = ["from_accept_language"]
