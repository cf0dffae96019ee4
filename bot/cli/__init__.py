"""The `referral-bot` command (also `python -m bot`): one module per group of subcommands,
each registered here with one line."""

from __future__ import annotations

import typer

from bot.cli import chat, customers, db, outbox, parse, program, rewards, serve
from bot.cli.common import err

app = typer.Typer(help="A chat-native referral agent.", no_args_is_help=True, rich_markup_mode=None)
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


def main() -> None:
    from bot.core.program import ProgramError

    try:
        app()
    except ProgramError as exc:
        err.print(f"[red]error in the program file:[/red] {exc}")
        raise SystemExit(2) from exc
