"""Every subcommand of `referral-bot`: one module per group, each registered here with one line."""

from __future__ import annotations

from typing import Annotated

import typer

from bot import __version__
from bot.cli import (
    admin,
    chat,
    customers,
    db,
    doctor,
    guides,
    outbox,
    parse,
    program,
    report,
    rewards,
    serve,
    setup,
    webhooks,
)
from bot.cli.plain_help import PlainGroup

app = typer.Typer(cls=PlainGroup, no_args_is_help=True, rich_markup_mode=None)


def _version(show: bool) -> None:
    if show:
        typer.echo(f"referral-bot {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="print the version"),
    ] = False,
) -> None:
    """A chat-native referral agent.

    \b
    Examples:
      referral-bot chat --user alice
      referral-bot program check program.toml
      referral-bot doctor
    """


app.command()(chat.chat)
app.command()(parse.parse)
app.command()(serve.serve)
app.command()(serve.worker)
app.add_typer(db.app, name="db")
app.add_typer(outbox.app, name="outbox")
app.command("import")(customers.import_command)
app.command("export")(customers.export_command)
app.add_typer(rewards.app, name="rewards")
app.add_typer(program.app, name="program")
app.add_typer(setup.slack_app, name="slack")
app.add_typer(setup.telegram_app, name="telegram")
app.add_typer(setup.twilio_app, name="twilio")
app.command()(doctor.doctor)
app.command()(guides.docs)
app.command("report")(report.report_command)
app.add_typer(admin.admin_app, name="admin")
app.add_typer(webhooks.webhooks_app, name="webhooks")
