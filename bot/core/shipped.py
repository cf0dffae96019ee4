"""Data that ships inside the package (catalogs and grammars, example programs, the guides),
found through the import system, so an installed wheel and a checkout read the same files
wherever they run."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def shipped_folder(package: str) -> Path:
    """The folder of a data package (`bot.locales`, `bot.examples`, `bot.docs`) as a real
    directory."""
    found = files(package)
    if not isinstance(found, Path):  # a zipped install: nothing here reads from archives
        raise RuntimeError(f"{package} is not a folder on disk; install referral-bot unzipped")
    return found


def locales_folder() -> Path:
    return shipped_folder("bot.locales")


def examples_folder() -> Path:
    return shipped_folder("bot.examples")


def example_programs() -> dict[str, Path]:
    """The shipped example program files by name (`tiers` for `tiers.toml`)."""
    return {file.stem: file for file in sorted(examples_folder().glob("*.toml"))}


def guides() -> dict[str, Path]:
    """The shipped guides by name (`twilio` for `twilio.md`)."""
    return {file.stem: file for file in sorted(shipped_folder("bot.docs").glob("*.md"))}
