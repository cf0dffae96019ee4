"""Message catalogs and intent grammars, one folder per language; shipped as `bot.locales`."""
