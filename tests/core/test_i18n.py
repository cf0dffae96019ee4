"""The catalogs agree with English, fit in SMS, and render plurals, fallbacks and values safely."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.core.i18n import Catalogs, fields
from bot.core.sms_text import sms_encoding, sms_segments, sms_units

LOCALES = Path(__file__).resolve().parents[2] / "locales"
NPLURALS = {"en": 2, "ko": 1, "zh-Hant": 1, "zh-Hans": 1}
LANGS = tuple(NPLURALS)

LINK = "https://go.example-stores.com/r/K7Q2M9XA"
DEEP_LINK = "https://t.me/ExampleStoreReferralBot?start=K7Q2M9XA"
NAMES = ("Alexandra Richardson", "Zoë Ashworth-Müller!")  # the second makes any text UCS-2
REWARD = "a $100.00 credit on next order"
SUPPORT = "https://help.example-stores.com/contact"  # the program's support contact
BUTTONS = {"LINK": "link", "COUNT": "count", "TOP": "top", "REWARDS": "rewards", "HELP": "help"}
NOT_SMS = frozenset({"link.reply_telegram"})  # only ever sent on Telegram
SEGMENTS_ALLOWED = {"help.text": 3}  # everything else: 2


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs.load(LOCALES)


def _po(lang: str, domain: str = "messages") -> Catalog:
    with (LOCALES / lang / f"{domain}.po").open("rb") as po:
        return read_po(po)


# Korean particles whose form follows the last sound of the word before them (을/를, 이/가,
# 은/는, 과/와, 으로/로, 이에요/예요, 이나/나, 이랑/랑, 아/야): after a placeholder ("US$20.00",
# "help@shop.example.com") that sound is unknown, so a text must not need one there.
_PARTICLE_AFTER_VALUE = re.compile(r"\}(?:을|를|이|가|은|는|과|와|으로|로|예요|이에요|나|랑|아|야)")
_BOTH_FORMS = re.compile(r"\((?:을|를|이|가|은|는|으|과|와|이에|아)\)")  # "을(를)", "(으)로"


def _worst_case(catalogs: Catalogs, lang: str, name: str) -> dict[str, object]:
    """The longest realistic value for every placeholder, as the flows would fill it."""
    money = catalogs.format_currency(lang, Decimal("1000"), "USD")
    reasons = [catalogs.text(lang, k) for k in catalogs.keys("en") if k.startswith("reason.")]
    choices = [
        catalogs.text(
            lang, "buttons.sms_choice", keyword=k, label=catalogs.text(lang, f"buttons.{b}")
        )
        for k, b in BUTTONS.items()
    ]
    return {
        "link": LINK,
        "deep_link": DEEP_LINK,
        "code": "K7Q2M9XA",
        "name": name,
        "friend": name,
        "referrer": name,
        "reason": max(reasons, key=len),
        "rank": 999,
        "remaining": 999,
        "reward": REWARD,
        "amount": money,
        "cap": money,
        "date": catalogs.format_date(lang, date(2025, 12, 28)),
        "choices": catalogs.format_list(lang, choices, style="or"),
        "keyword": "REWARDS",
        "label": catalogs.text(lang, "buttons.count"),
        "minimum": money,
        "event": catalogs.text(lang, "event.purchase_min", minimum=money),
        "first": catalogs.text(lang, "clarify.count"),
        "second": catalogs.text(lang, "clarify.offer"),
        "total": 999,
        "names": catalogs.format_list(lang, [name.split()[0]] * 3),
        "support": SUPPORT,
    }


def test_worst_case_values_have_the_agreed_lengths() -> None:
    assert len(LINK) == 40 and len(REWARD) == 30 and len(SUPPORT) == 39
    assert all(len(name) == 20 for name in NAMES)


def test_every_language_is_loaded(catalogs: Catalogs) -> None:
    assert sorted(catalogs.languages()) == sorted(LANGS)


@pytest.mark.parametrize("lang", LANGS)
def test_catalog_has_exactly_the_english_keys_and_placeholders(
    catalogs: Catalogs, lang: str
) -> None:
    assert catalogs.keys(lang) == catalogs.keys("en")
    differ = {
        key
        for key in catalogs.keys("en")
        if catalogs.placeholders(lang, key) != catalogs.placeholders("en", key)
    }
    assert differ == set()


@pytest.mark.parametrize("lang", LANGS)
def test_plural_forms_follow_the_language_rule(lang: str) -> None:
    english = {m.id[0]: m for m in _po("en") if isinstance(m.id, tuple)}
    catalog = _po(lang)
    assert catalog.num_plurals == NPLURALS[lang]
    plural = {m.id[0]: m for m in catalog if isinstance(m.id, tuple)}
    assert plural.keys() == english.keys()
    for key, message in plural.items():
        expected = english[key].string
        assert isinstance(message.string, tuple) and isinstance(expected, tuple)
        assert len(message.string) == NPLURALS[lang]
        for form in message.string:
            assert fields(form) == fields(expected), (key, form)


@pytest.mark.parametrize("domain", ["messages", "pages"])
def test_no_korean_text_leaves_a_particle_to_the_sound_of_a_value(domain: str) -> None:
    found = {}
    for message in _po("ko", domain):
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        for form in forms:
            if message.id and (_PARTICLE_AFTER_VALUE.search(form) or _BOTH_FORMS.search(form)):
                found[message.id] = form
    assert found == {}


@pytest.mark.parametrize("lang", LANGS)
def test_the_askers_own_leaderboard_row_reads_like_the_others(
    catalogs: Catalogs, lang: str
) -> None:
    """Same separator, same unit; only a marker after the name says it is theirs."""
    row = catalogs.text(lang, "leaderboard.row", rank=2, name="N", count=3)
    mine = catalogs.text(lang, "leaderboard.row_you", rank=2, name="N", count=3)
    assert row.startswith("2. N ") and mine.startswith("2. N")
    assert mine.endswith(row.removeprefix("2. N ")) and len(mine) > len(row)


@pytest.mark.parametrize(
    ("lang", "after"), [("zh-Hans", "后"), ("zh-Hant", "後")], ids=["zh-Hans", "zh-Hant"]
)
def test_chinese_events_end_in_after_with_a_space_on_both_sides_of_an_amount(
    catalogs: Catalogs, lang: str, after: str
) -> None:
    """Templates put them before the rest of the sentence: "朋友{event}你可得 {reward}"."""
    assert catalogs.text(lang, "event.signup").endswith(after)
    assert catalogs.text(lang, "event.purchase").endswith(after)
    minimum = catalogs.text(lang, "event.purchase_min", minimum="US$75.00")
    assert minimum.endswith(f" US$75.00 {after}")


KOREAN_TO_THE_CUSTOMER = {
    "thanks.signup_held": (
        {"friend": "joon", "count": 3},
        "감사해요! joon님이 추천 링크로 가입했어요. 지금까지 3명을 추천했어요.",
    ),
    "thanks.signup_held_anonymous": (
        {"count": 3},
        "감사해요! 친구 한 명이 추천 링크로 가입했어요. 지금까지 3명을 추천했어요.",
    ),
    "count.friend_capped": (
        {"name": "j***"},
        "j***: 한도에 도달해 회원님 보상은 없지만 친구는 받았어요",
    ),
    "offer.referrer_none": ({}, "회원님께 드리는 보상은 없어요. 친구를 위한 선물이에요."),
    "rewards.friends_only": (
        {"friend": "US$20.00"},
        "이 프로그램은 친구에게 보상을 줘요. 친구마다 US$20.00 받아요.",
    ),
    "share.qr": ({}, "추천 링크 QR 코드예요. 친구가 스캔하면 돼요."),
}


@pytest.mark.parametrize("key", sorted(KOREAN_TO_THE_CUSTOMER))
def test_korean_texts_speak_to_the_customer(catalogs: Catalogs, key: str) -> None:
    """The bot says "추천 링크" and "회원님", never the customer's own "내 링크", in a sentence
    (a button or a heading may still say "내 링크", as Korean menus do)."""
    values, reads = KOREAN_TO_THE_CUSTOMER[key]
    assert catalogs.text("ko", key, **values) == reads


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("lang", LANGS)
def test_routine_replies_fit_two_sms_segments(catalogs: Catalogs, lang: str, name: str) -> None:
    values = _worst_case(catalogs, lang, name)
    too_long = {}
    for key in sorted(catalogs.keys("en") - NOT_SMS):
        text = catalogs.text(lang, key, count=999, **values)
        if sms_segments(text) > SEGMENTS_ALLOWED.get(key, 2):
            too_long[key] = (sms_segments(text), text)
    assert too_long == {}


@pytest.mark.parametrize("lang", LANGS)
def test_count_summary_fits_two_sms_segments(catalogs: Catalogs, lang: str) -> None:
    lines = [
        catalogs.text(lang, "count.total", count=999),
        catalogs.text(lang, "count.pending", count=999),
        catalogs.text(lang, "count.next_milestone", remaining=999, reward=REWARD),
    ]
    assert sms_segments("\n".join(lines)) <= 2


def test_english_plural_follows_count(catalogs: Catalogs) -> None:
    assert catalogs.text("en", "count.total", count=1) == "You've referred 1 friend."
    assert catalogs.text("en", "count.total", count=2) == "You've referred 2 friends."
    assert catalogs.text("en", "count.total", count=0) == "You've referred 0 friends."
    assert catalogs.text("en", "count.total", count=1000) == "You've referred 1,000 friends."
    assert "1명" in catalogs.text("ko", "count.total", count=1)


def test_plural_message_needs_a_count(catalogs: Catalogs) -> None:
    with pytest.raises(TypeError, match=r"count\.total"):
        catalogs.text("en", "count.total")


def test_unknown_language_falls_back_to_english(catalogs: Catalogs) -> None:
    assert catalogs.text("fr", "buttons.help") == "Help"
    assert catalogs.text("zh_hant", "buttons.help") == catalogs.text("zh-Hant", "buttons.help")


def test_text_missing_in_a_language_falls_back_to_english(tmp_path: Path) -> None:
    head = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "messages.po").write_text(
        head + '\nmsgid "a"\nmsgstr "A {x}"\n\nmsgid "b"\nmsgstr "B"\n', encoding="utf-8"
    )
    (tmp_path / "ko").mkdir()
    (tmp_path / "ko" / "messages.po").write_text(
        head + '\nmsgid "a"\nmsgstr "가 {x}"\n\nmsgid "b"\nmsgstr ""\n', encoding="utf-8"
    )
    catalogs = Catalogs.load(tmp_path)
    assert catalogs.text("ko", "a", x=1) == "가 1"
    assert catalogs.text("ko", "b") == "B"  # untranslated


def test_missing_key_is_a_key_error_naming_it(catalogs: Catalogs) -> None:
    with pytest.raises(KeyError, match=r"no\.such\.key"):
        catalogs.text("ko", "no.such.key")


def test_values_are_inserted_verbatim(catalogs: Catalogs) -> None:
    typed = "{link} {0} {code.__class__} {{x}}"
    assert typed in catalogs.text("en", "join.unknown_code", code=typed)
    assert (
        catalogs.text("en", "count.not_counted_line", name="{reason}", reason="x") == "{reason}: x"
    )


def test_overrides_replace_a_message_in_a_new_catalogs(catalogs: Catalogs) -> None:
    branded = catalogs.with_overrides({"ko": {"count.total": "벌써 {count}명이에요!"}})
    assert branded.text("ko", "count.total", count=3) == "벌써 3명이에요!"
    assert catalogs.text("ko", "count.total", count=3) != "벌써 3명이에요!"
    assert branded.text("en", "count.total", count=3) == catalogs.text("en", "count.total", count=3)


@pytest.mark.parametrize(
    "overrides",
    [
        {"fr": {"buttons.help": "Aide"}},
        {"en": {"no.such.key": "x"}},
        {"en": {"link.reply": "{link} {secret}"}},
        {"en": {"link.reply": "{link.__class__}"}},
        {"en": {"link.reply": "{link:>999999}"}},
    ],
)
def test_overrides_are_checked(catalogs: Catalogs, overrides: dict[str, dict[str, str]]) -> None:
    with pytest.raises(ValueError):
        catalogs.with_overrides(overrides)


def test_formatting_follows_the_language(catalogs: Catalogs) -> None:
    assert catalogs.format_number("en", 1234567) == "1,234,567"
    assert catalogs.format_decimal("en", Decimal("1234.5")) == "1,234.5"
    assert catalogs.format_currency("en", Decimal("1000"), "USD") == "$1,000.00"
    assert catalogs.format_currency("zh-Hant", Decimal("1000"), "USD") == "US$1,000.00"
    assert catalogs.format_date("ko", date(2025, 3, 5)) == "2025. 3. 5."
    assert catalogs.format_date("zh-Hans", date(2025, 3, 5)) == "2025年3月5日"
    noon_utc = datetime(2025, 3, 5, 12, 0, tzinfo=UTC)
    assert catalogs.format_datetime("zh-Hans", noon_utc, "Asia/Seoul") == "2025/3/5 21:00"
    assert catalogs.format_list("en", ["A", "B", "C"], style="or") == "A, B, or C"


def test_sms_segments_gsm7() -> None:
    assert sms_segments("") == 0
    assert sms_segments("a" * 160) == 1
    assert sms_segments("a" * 161) == 2
    assert sms_segments("a" * 306) == 2
    assert sms_segments("a" * 307) == 3
    assert sms_encoding("Café £5 @ 10€") == "GSM-7"
    assert sms_units("^{}[]~\\|€") == 18  # extension characters cost an escape each
    assert sms_segments("€" * 80) == 1 and sms_segments("€" * 81) == 2


def test_sms_segments_ucs2() -> None:
    assert sms_encoding("a" * 159 + "é") == "GSM-7"
    assert sms_encoding("a" * 159 + "ë") == "UCS-2"
    assert sms_segments("가" * 70) == 1
    assert sms_segments("가" * 71) == 2
    assert sms_segments("中" * 134) == 2
    assert sms_segments("中" * 135) == 3
    assert sms_units("😀") == 2  # a surrogate pair
    assert sms_segments("😀" * 35) == 1
    assert sms_segments("😀" * 67) == 3  # 33 whole emoji a part: pairs are never split
