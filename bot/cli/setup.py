"""`referral-bot slack manifest`, `telegram setup`, `twilio setup`: connect a provider to this
deployment, each in one command that says what it did."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

import typer

from bot.app import load_language
from bot.cli.common import fail, settings
from bot.core.program import load_program

slack_app = typer.Typer(help="Slack: the app manifest for this deployment.", no_args_is_help=True)
telegram_app = typer.Typer(
    help="Telegram: ready the bot for this deployment.", no_args_is_help=True
)
twilio_app = typer.Typer(help="Twilio: point a number at this deployment.", no_args_is_help=True)
TAIWAN_HONG_KONG_MACAU = frozenset({"TW", "HK", "MO"})
CHINESE_SCRIPTS: tuple[Literal["zh-Hant", "zh-Hans"], ...] = ("zh-Hant", "zh-Hans")


@slack_app.command("manifest")
def slack_manifest(
    name: Annotated[
        str, typer.Option(metavar="NAME", help="the app's name in Slack")
    ] = "Referrals",
) -> None:
    """Print the Slack app manifest (YAML) for PUBLIC_BASE_URL.

    At api.slack.com/apps: Create New App > From a manifest, paste this, install it to the
    workspace, then copy the Bot User OAuth Token (SLACK_BOT_TOKEN) and the Signing Secret
    (SLACK_SIGNING_SECRET). The guide: `referral-bot docs slack`.

    \b
    Example:
      PUBLIC_BASE_URL=https://referrals.example.com referral-bot slack manifest > manifest.yml
    """
    from bot.channels.slack_manifest import manifest_yaml  # provider SDKs load on demand

    typer.echo(manifest_yaml(public_base_url=settings().public_base_url, name=name), nl=False)


@telegram_app.command("setup")
def telegram_set_up(
    chinese: Annotated[
        str | None,
        typer.Option(
            metavar="SCRIPT",
            help="zh-Hant or zh-Hans for Telegram's one Chinese menu "
            "(default: zh-Hant when the program's phone_region is TW, HK or MO)",
        ),
    ] = None,
) -> None:
    """Check TELEGRAM_BOT_TOKEN, register the webhook (or clear it for long polling), set the
    command menu and description in each language, and print the deep-link format.

    \b
    Example:
      TELEGRAM_BOT_TOKEN=123:abc TELEGRAM_WEBHOOK_SECRET=s3cret referral-bot telegram setup
    """
    from bot.channels import telegram_setup

    env = settings()
    script = _chinese_script(chinese) or _chinese_default(env.referral_program)
    _, catalogs = load_language()
    try:
        done = asyncio.run(telegram_setup.set_up_telegram(env, catalogs, chinese=script))
    except telegram_setup.SetupError as exc:
        raise fail(str(exc)) from exc
    typer.echo(f"bot:       @{done.username} (id {done.bot_id}), token accepted")
    typer.echo(f"updates:   {done.receiving}")
    typer.echo(
        f"menus:     commands, description and short description for {', '.join(done.menus)}"
    )
    typer.echo(f"deep link: {done.deep_link}  (CODE is a person's referral code)")


def _chinese_script(written: str | None) -> Literal["zh-Hant", "zh-Hans"] | None:
    """The script asked for (language tags ignore case), or one line naming the two there are:
    typer's own message for a Literal is "Value error, ..." under a usage block."""
    if written is None:
        return None
    for script in CHINESE_SCRIPTS:
        if written.strip().casefold() == script.casefold():
            return script
    raise fail(
        f"--chinese {written!r} is not a script: write zh-Hant (traditional characters) "
        "or zh-Hans (simplified)"
    )


def _chinese_default(program_file: str | None) -> Literal["zh-Hant", "zh-Hans"]:
    region = load_program(program_file).phone_region
    return "zh-Hant" if region in TAIWAN_HONG_KONG_MACAU else "zh-Hans"


@twilio_app.command("setup")
def twilio_set_up() -> None:
    """Check the Twilio credentials and point TWILIO_FROM_NUMBER (or the Messaging Service)
    at PUBLIC_BASE_URL/twilio/sms and /twilio/status, showing what changed.

    \b
    Example:
      TWILIO_ACCOUNT_SID=AC... TWILIO_AUTH_TOKEN=... TWILIO_FROM_NUMBER=+14155550199 \\
        referral-bot twilio setup
    """
    from bot.channels import sms_setup

    try:
        done = asyncio.run(sms_setup.point_twilio(settings()))
    except sms_setup.SetupError as exc:
        raise fail(str(exc)) from exc
    typer.echo(f"account: {done.account}, credentials accepted")
    typer.echo(f"{done.target}:")
    for change in done.changes:
        if change.changed:
            typer.echo(f"  {change.field}: {change.before} -> {change.after}")
        else:
            typer.echo(f"  {change.field}: {change.after} (already)")
    for note in done.notes:
        typer.echo(f"  {note}")
