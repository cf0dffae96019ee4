"""`/admin`: the program owner's dashboard. Staff pages are in English."""

from __future__ import annotations

from starlette.routing import BaseRoute

from bot.http.admin.desk import Desk
from bot.http.admin.messages import message_routes
from bot.http.admin.overview import overview_routes
from bot.http.admin.people import people_routes
from bot.http.admin.program_page import program_routes
from bot.http.admin.referrals import referral_routes
from bot.http.admin.rewards import reward_routes
from bot.http.admin.session import Sessions
from bot.http.admin.sign_in import sign_in_routes
from bot.http.admin.sign_in_limit import SignInLimit

__all__ = ["Desk", "Sessions", "SignInLimit", "admin_routes"]


def admin_routes(desk: Desk, sessions: Sessions, *, sign_in_limit: SignInLimit) -> list[BaseRoute]:
    routes = sign_in_routes(
        sessions=sessions,
        store=desk.store,
        pages=desk.pages,
        clock=desk.clock,
        limit=sign_in_limit,
    )
    for part in (overview_routes, people_routes, referral_routes, reward_routes,
                 message_routes, program_routes):
        routes.extend(part(desk, sessions))
    return routes
