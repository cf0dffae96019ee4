"""Program-file mistakes phrased for the person who wrote the file: the section and the key, and
for a typo the nearest valid name (`[program] hold_dayz: unknown key; did you mean hold_days?`,
`rewards[0].cap_x: unknown key; did you mean cap?`)."""

from __future__ import annotations

import difflib
import types
from collections.abc import Iterable, Sequence
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

# The file's tables: [program] holds the program's own keys, the others sit beside it.
SECTIONS = (
    "program", "rewards", "milestones", "reminders", "quiet_hours", "pacing", "delivery", "fraud",
    "messages",
)  # fmt: skip


def nearest(word: str, choices: Iterable[str]) -> str | None:
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def unknown_sections(data: dict[str, object], known: Iterable[str]) -> list[str]:
    """A table the program does not read is a typo, not something to ignore silently."""
    allowed = set(known)
    lines = []
    for name in data:
        if name in allowed:
            continue
        guess = nearest(name, allowed)
        hint = f"; did you mean [{guess}]?" if guess else f"; sections are {', '.join(SECTIONS)}"
        lines.append(f"[{name}]: unknown section{hint}")
    return lines


def phrase(exc: ValidationError, model: type[BaseModel]) -> list[str]:
    """One line per error: where it is in the file, and what is wrong there."""
    return [_line(error, model) for error in exc.errors()]


def _line(error: Any, model: type[BaseModel]) -> str:
    loc: Sequence[str | int] = error["loc"]
    where = _where(loc)
    if error["type"] == "extra_forbidden":
        owner = _model_at(model, loc[:-1])
        fields = [] if owner is None else list(owner.model_fields)
        guess = nearest(str(loc[-1]), fields)
        if guess is not None:
            return f"{where}: unknown key; did you mean {guess}?"
        return f"{where}: Extra inputs are not permitted (valid keys: {', '.join(fields)})"
    return f"{where}: {str(error['msg']).removeprefix('Value error, ')}"


def _where(loc: Sequence[str | int]) -> str:
    """`[program] hold_days`, `quiet_hours.start`, `rewards[0].amounts[1].since`."""
    path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)
    path = path.lstrip(".")
    if not loc:
        return "[program]"
    return path if loc[0] in SECTIONS else f"[program] {path}"


def _model_at(model: type[BaseModel], loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The model that holds the key at the end of `loc` (walking fields, skipping indexes)."""
    current: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        field = current.model_fields.get(part)
        current = None if field is None else _inner_model(field.annotation)
    return current


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (tuple, list, Union, types.UnionType):
        for arg in get_args(annotation):
            found = _inner_model(arg)
            if found is not None:
                return found
    return None
