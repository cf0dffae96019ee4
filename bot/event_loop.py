"""Which event loop `serve` and `worker` run on: uvloop where it installed, else asyncio's own.

uvicorn picks uvloop by itself only when it creates the loop (`uvicorn.run`); we start uvicorn
inside our own `asyncio.run`, so the choice is made here. uvloop comes with
`uvicorn[standard]`, which skips it where it does not build (Windows, PyPy).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run`, on the fastest loop this machine has."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)
