"""What every dashboard page may use, wired once by `admin_routes`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.responses import HTMLResponse, RedirectResponse

from bot.core.clock import Clock
from bot.core.context import Context
from bot.core.i18n import Catalogs
from bot.core.program import Program
from bot.core.reward_text import reward_text
from bot.core.signing import Signer
from bot.core.store import Store
from bot.core.store.rewards import Reward
from bot.http.admin.session import Visit
from bot.http.templating import Pages
from bot.services.unit_of_work import UnitOfWork

STAFF_LANG = "en"  # staff pages are in English; customers hear their own language


@dataclass(frozen=True, slots=True, kw_only=True)
class Desk:
    store: Store
    program: Program
    context: Context
    clock: Clock
    kick: Callable[[], None]
    work: UnitOfWork
    pages: Pages
    link: Callable[[str], str]  # code -> the public referral link
    notes: Signer

    @property
    def catalogs(self) -> Catalogs:
        return self.context.catalogs

    def reward(self, reward: Reward) -> str:
        return reward_text(self.catalogs, STAFF_LANG, reward)

    def page(
        self, visit: Visit, name: str, *, here: str, title: str, status: int = 200, **values: Any
    ) -> HTMLResponse:
        """A staff page with the menu, who is signed in, and the token its forms carry."""
        return self.pages.render(
            f"admin/{name}",
            status=status,
            user=visit.user,
            csrf=visit.csrf,
            here=here,
            title=title,
            program_name=self.program.name,
            when=when,
            **self._note(visit),
            **values,
        )

    def back(self, path: str, *, notice: str = "", problem: str = "") -> RedirectResponse:
        """After a POST, back to a page, with what happened (signed: nobody else can put words
        on our pages with a crafted link)."""
        note = self.notes.sign({"notice": notice, "problem": problem})
        sep = "&" if "?" in path else "?"
        return RedirectResponse(f"{path}{sep}note={note}", status_code=303)

    def _note(self, visit: Visit) -> dict[str, str]:
        value = self.notes.read(visit.request.query_params.get("note"), max_age=300)
        if not isinstance(value, dict):
            return {"notice": "", "problem": ""}
        return {"notice": str(value.get("notice", "")), "problem": str(value.get("problem", ""))}


def when(moment: datetime | None) -> str:
    """Times on staff pages: UTC, to the minute, sortable."""
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M")
