"""Every text the bot sends, in the participant's own language, from gettext catalogs.

Catalogs are key-based (`msgid "link.reply"`) and compiled in memory, so editing a `.po` file
is the whole workflow. The language is always passed in, never ambient, so scheduled messages
render exactly like replies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from string import Formatter
from types import MappingProxyType
from typing import Literal

from babel import Locale, dates, lists, numbers
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from bot.core.grammar_files import default_locales_dir as default_locales_dir  # one definition

FALLBACK = "en"

Text = str | tuple[str, ...]  # one text, or the plural forms in the language's rule order


@lru_cache(maxsize=8192)
def _integer(n: int, locale: Locale) -> str:
    """A count as the language writes it ("1,234", "1 234"): the same few numbers come up in
    every message, and babel reads its pattern anew each time (~20 µs)."""
    return numbers.format_decimal(n, locale=locale)


def fields(text: Text) -> frozenset[str]:
    """The `{placeholder}` names a message uses, across all its plural forms."""
    forms = text if isinstance(text, tuple) else (text,)
    return frozenset(name for form in forms for _, name, _, _ in Formatter().parse(form) if name)


@dataclass(frozen=True, slots=True, kw_only=True)
class Language:
    """One compiled catalog: its texts, and gettext to pick the plural form."""

    tag: str  # "zh-Hant", as participants and folders name it
    locale: Locale
    plural_forms: str  # the catalog's own Plural-Forms header
    num_plurals: int
    texts: Mapping[str, Text]
    translations: Translations

    @classmethod
    def compile(
        cls, tag: str, locale: Locale, plural_forms: str, texts: Mapping[str, Text]
    ) -> Language:
        catalog = Catalog(locale=locale, fuzzy=False)
        catalog.mime_headers = [("Plural-Forms", plural_forms)]
        for key, text in texts.items():
            catalog.add((key, key) if isinstance(text, tuple) else key, text)
        compiled = BytesIO()
        write_mo(compiled, catalog)
        compiled.seek(0)
        return cls(
            tag=tag,
            locale=locale,
            plural_forms=catalog.plural_forms,
            num_plurals=catalog.num_plurals,
            texts=MappingProxyType(dict(texts)),
            translations=Translations(compiled),
        )


def _read(path: Path, tag: str) -> Language:
    locale = Locale.parse(tag, sep="-")
    with path.open("rb") as po:
        catalog = read_po(po, locale=locale)
    texts: dict[str, Text] = {}
    for message in catalog:
        key = message.id if isinstance(message.id, str) else message.id[0]
        string = message.string or ""
        text: Text = string if isinstance(string, str) else tuple(string)
        forms = (text,) if isinstance(text, str) else text
        # Untranslated and fuzzy entries are left out so the English text stands in.
        if key and not message.fuzzy and forms and all(forms):
            texts[key] = text
    return Language.compile(tag, locale, catalog.plural_forms, texts)


@dataclass(frozen=True, slots=True, kw_only=True)
class Catalogs:
    """All languages' catalogs; a missing text falls back to English, a missing key is a bug."""

    by_tag: Mapping[str, Language]
    # "zh-hant", "zh_Hant", "ZH-HANT": the tags as participants' rows may spell them.
    _folded: Mapping[str, Language] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        folded = {tag.casefold(): language for tag, language in self.by_tag.items()}
        object.__setattr__(self, "_folded", MappingProxyType(folded))

    @classmethod
    def load(cls, locales_dir: Path, domain: str = "messages") -> Catalogs:
        """Read `<locales_dir>/<tag>/<domain>.po` for every language folder there
        (`messages`: what the bot says; `pages`: the landing page and the web chat)."""
        found = {
            folder.name: _read(folder / f"{domain}.po", folder.name)
            for folder in sorted(locales_dir.iterdir())
            if (folder / f"{domain}.po").is_file()
        }
        if FALLBACK not in found:
            raise FileNotFoundError(f"no {FALLBACK}/{domain}.po under {locales_dir}")
        return cls(by_tag=MappingProxyType(found))

    def languages(self) -> tuple[str, ...]:
        return tuple(self.by_tag)

    def keys(self, lang: str) -> frozenset[str]:
        return frozenset(self.by_tag[lang].texts)

    def placeholders(self, lang: str, key: str) -> frozenset[str]:
        return fields(self.by_tag[lang].texts[key])

    def text(self, lang: str, key: str, /, count: int | None = None, **values: object) -> str:
        """The message `key` in `lang`, its plural form chosen by `count`, values inserted as-is."""
        language = self._language(lang)
        if key not in language.texts:
            language = self.by_tag[FALLBACK]
            if key not in language.texts:
                raise KeyError(f"no message {key!r} in any catalog")
        if isinstance(language.texts[key], tuple):
            if count is None:
                raise TypeError(f"message {key!r} has plural forms: pass count=")
            template = language.translations.ngettext(key, key, count)
        else:
            template = language.translations.gettext(key)
        if count is not None:
            values = {"count": _integer(count, language.locale), **values}
        try:
            # str.format never re-parses what it inserts, so "{x}" in a value stays literal.
            return template.format(**values)
        except KeyError as missing:
            raise KeyError(f"message {key!r} needs a value for {missing}") from None

    def with_overrides(self, overrides: Mapping[str, Mapping[str, str]]) -> Catalogs:
        """These catalogs with a program's own wording; a plural message gets one text for all."""
        by_tag = dict(self.by_tag)
        for lang, replacements in overrides.items():
            if lang not in by_tag:
                raise ValueError(f"no catalog for language {lang!r}")
            language = by_tag[lang]
            texts = dict(language.texts)
            for key, text in replacements.items():
                texts[key] = self._checked_override(language, key, text)
            by_tag[lang] = Language.compile(lang, language.locale, language.plural_forms, texts)
        return Catalogs(by_tag=MappingProxyType(by_tag))

    def _checked_override(self, language: Language, key: str, text: str) -> Text:
        english = self.by_tag[FALLBACK].texts.get(key)
        if english is None:
            raise ValueError(f"override for unknown message {key!r}")
        # Only bare names the message already has: no attribute access, conversions or specs.
        allowed = fields(english)
        for _, name, spec, conversion in Formatter().parse(text):
            if name is not None and (spec or conversion or name not in allowed):
                raise ValueError(f"override for {key!r} may only use {sorted(allowed)} as {{name}}")
        return (text,) * language.num_plurals if isinstance(english, tuple) else text

    def _language(self, lang: str) -> Language:
        found = self._folded.get(lang.replace("_", "-").casefold())
        return self.by_tag[FALLBACK] if found is None else found

    def format_number(self, lang: str, n: int) -> str:
        return _integer(n, self._language(lang).locale)

    def format_decimal(self, lang: str, n: Decimal | float | int) -> str:
        return numbers.format_decimal(n, locale=self._language(lang).locale)

    def format_currency(self, lang: str, amount: Decimal, currency: str) -> str:
        return numbers.format_currency(amount, currency, locale=self._language(lang).locale)

    def format_date(self, lang: str, d: date) -> str:
        return dates.format_date(d, format="medium", locale=self._language(lang).locale)

    def format_datetime(self, lang: str, dt: datetime, tz: str) -> str:
        """Short date and time as seen in `tz` (an IANA name); a naive `dt` is taken as UTC."""
        zone = dates.get_timezone(tz)
        return dates.format_datetime(
            dt, format="short", tzinfo=zone, locale=self._language(lang).locale
        )

    def format_list(
        self, lang: str, items: Sequence[str], style: Literal["standard", "or"] = "standard"
    ) -> str:
        """A list as the language writes it: "A, B and C" (`style="or"`: "A, B or C")."""
        return lists.format_list(list(items), style=style, locale=self._language(lang).locale)
