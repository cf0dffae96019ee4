"""`referral-bot program check` and `program example`: what a business owner reads."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from bot.core.shipped import example_programs

runner = CliRunner()


def test_a_good_program_is_printed_as_people_read_it() -> None:
    file = example_programs()["two_sided_cash"]
    result = runner.invoke(app, ["program", "check", str(file)])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[:5] == [
        "Give $20, get $20",
        "",
        "Rewards (when the friend signs up):",
        "  The referrer gets $20.00, $10.00 from 2027-01-01, $5.00 from 2027-06-01"
        "  [referrer-cash]",
        "  The friend gets $20.00, $10.00 from 2027-01-01, $5.00 from 2027-06-01  [friend-cash]",
    ]
    assert "  Rewards are held 14 days, then approved." in lines
    assert "Attribution window: 30 days from the click" in lines
    assert (
        "Quiet hours: 21:00-08:00 in each person's time zone (default zone America/Los_Angeles)"
        in lines
    )
    assert lines[-1] == f"{file}: OK"


def test_caps_milestones_and_the_programs_own_words() -> None:
    storage = runner.invoke(app, ["program", "check", str(example_programs()["capped_storage"])])
    assert "  The referrer gets 500 MB (at most 16 GB in all)  [referrer-space]" in storage.stdout
    tiers = runner.invoke(app, ["program", "check", str(example_programs()["tiers"])])
    assert "Rewards (when the friend buys for at least $1,000.00):" in tiers.stdout
    assert "  The referrer gets 1,000 Supercharger miles  [referrer-miles]" in tiers.stdout
    assert "  At 5 friends, the referrer also gets an invitation to the launch event." in (
        tiers.stdout
    )


def test_typos_name_the_section_and_the_key_and_suggest_the_nearest(tmp_path: Path) -> None:
    file = tmp_path / "program.toml"
    file.write_text(
        '[program]\nhold_dayz = 3\n[quiet_hour]\nstart = "22:00"\n'
        '[[rewards]]\nid = "cash"\nside = "referrer"\nunit = "money"\ncurrency = "USD"\n'
        "amounts = [{ amount = 20 }]\ncapp = 5\n[pacing]\nturbo = 2\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["program", "check", str(file)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{file}: 4 problems",
        "  [quiet_hour]: unknown section; did you mean [quiet_hours]?",
        "  rewards[0].capp: unknown key; did you mean cap?",
        "  pacing.turbo: Extra inputs are not permitted (valid keys: "
        "sms_segments_per_second, telegram_per_second, telegram_per_chat_per_second, "
        "slack_per_channel_per_second)",
        "  [program] hold_dayz: unknown key; did you mean hold_days?",
    ]


def test_a_folder_a_missing_file_and_a_binary_file_each_say_what_they_are(
    tmp_path: Path,
) -> None:
    folder = runner.invoke(app, ["program", "check", str(tmp_path)])
    assert folder.exit_code == 2
    assert folder.stderr == (
        f"error: {tmp_path}: is a folder; name the program file (a .toml) inside it\n"
    )
    missing = runner.invoke(app, ["program", "check", str(tmp_path / "nope.toml")])
    assert missing.stderr == f"error: {tmp_path / 'nope.toml'}: no such file\n"
    binary = tmp_path / "program.toml"
    binary.write_bytes(b"\xff\xfe[\x00p\x00")
    wrong = runner.invoke(app, ["program", "check", str(binary)])
    assert wrong.stderr == f"error: {binary}: is not UTF-8 text (save it as UTF-8)\n"


def test_an_empty_program_file_is_refused_not_read_as_the_default_program(
    tmp_path: Path,
) -> None:
    file = tmp_path / "program.toml"
    for blank in ("", "  \n\t\n"):
        file.write_text(blank, encoding="utf-8")
        result = runner.invoke(app, ["program", "check", str(file)])
        assert result.exit_code == 2
        assert result.stdout == ""  # no program printed, no "OK"
        assert result.stderr == (
            f"error: {file}: is empty; write the program in it "
            "(`referral-bot program example` prints one to start from)\n"
        )


def test_examples_are_listed_and_printed_from_the_installed_package(tmp_path: Path) -> None:
    listed = runner.invoke(app, ["program", "example"])
    assert "two_sided_cash     Two-sided cash, PayPal-style" in listed.stdout.splitlines()
    printed = runner.invoke(app, ["program", "example", "tiers"])
    assert printed.stdout == example_programs()["tiers"].read_text(encoding="utf-8")
    unknown = runner.invoke(app, ["program", "example", "teirs"])
    assert unknown.exit_code == 2
    assert "no example 'teirs'; the examples are capped_storage" in unknown.stderr


def test_a_program_without_a_landing_url_names_the_built_in_page(tmp_path: Path) -> None:
    file = tmp_path / "program.toml"
    file.write_text('[program]\nname = "Our own page"\n', encoding="utf-8")
    result = runner.invoke(app, ["program", "check", str(file)])
    assert result.exit_code == 0, result.output
    assert "Landing page: the built-in page (/welcome on this server)" in result.stdout.splitlines()
    assert "Landing page: None" not in result.stdout
    assert (
        "Support contact: none: people who ask for a person hear what the bot can do"
        in result.stdout.splitlines()
    )


def test_a_programs_support_contact_is_shown_and_a_blank_one_refused(tmp_path: Path) -> None:
    file = tmp_path / "program.toml"
    file.write_text('[program]\nsupport = "help@shop.example.com"\n', encoding="utf-8")
    result = runner.invoke(app, ["program", "check", str(file)])
    assert "Support contact: help@shop.example.com" in result.stdout.splitlines()
    file.write_text('[program]\nsupport = ""\n', encoding="utf-8")
    blank = runner.invoke(app, ["program", "check", str(file)])
    assert blank.exit_code != 0
    assert "support" in blank.stderr
    file.write_text('[program]\nsupport = "   "\n', encoding="utf-8")
    spaces = runner.invoke(app, ["program", "check", str(file)])
    assert spaces.exit_code != 0
    assert "name an email, a phone number or a web address" in spaces.stderr
    file.write_text('[program]\nsupport = "  help@shop.example.com "\n', encoding="utf-8")
    padded = runner.invoke(app, ["program", "check", str(file)])
    assert "Support contact: help@shop.example.com" in padded.stdout.splitlines()
