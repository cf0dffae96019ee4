"""The dashboard's Program page, read as the owner reads it: the rules in force, and a check of
a new program file."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.http.dashboard_kit import csrf_of


async def test_an_amount_in_force_from_the_start_shows_no_1970_date(
    owner: httpx.AsyncClient,
) -> None:
    page = await owner.get("/admin/program")
    assert page.status_code == 200
    assert "$20.00" in page.text
    assert "1970" not in page.text


async def test_the_page_says_how_customers_reach_a_person(owner: httpx.AsyncClient) -> None:
    page = await owner.get("/admin/program")
    assert (
        "<dt>Support contact</dt><dd>none: people who ask for a person hear what the bot can do"
        "</dd>" in page.text
    )


async def test_a_stepped_amount_says_from_when(owner: httpx.AsyncClient, tmp_path: Path) -> None:
    page = await owner.get("/admin/program")
    stepped = (
        '[program]\nname = "Stepped"\n\n[[rewards]]\nid = "cash"\nside = "referrer"\n'
        'unit = "money"\ncurrency = "USD"\n'
        "amounts = [{ amount = 20 }, { since = 2027-01-01, amount = 10 }]\n"
    )
    files = {"program": ("stepped.toml", stepped.encode(), "text/plain")}
    checked = await owner.post("/admin/program", data={"csrf": csrf_of(page)}, files=files)
    assert "stepped.toml is valid" in checked.text
    assert '$10.00 <span class="soft">from 2027-01-01</span>' in checked.text
    assert "1970" not in checked.text


async def test_a_file_with_one_typo_is_one_problem(owner: httpx.AsyncClient) -> None:
    page = await owner.get("/admin/program")
    files = {"program": ("bad.toml", b"[program]\nhold_dayz = 3\n", "text/plain")}
    checked = await owner.post("/admin/program", data={"csrf": csrf_of(page)}, files=files)
    assert "bad.toml has 1 problem; the program in force is unchanged." in checked.text
    assert "[program] hold_dayz: unknown key; did you mean hold_days?" in checked.text


async def test_a_file_with_two_mistakes_lists_both(owner: httpx.AsyncClient) -> None:
    page = await owner.get("/admin/program")
    body = b"[program]\nhold_dayz = 3\nattribution_days = -1\n"
    files = {"program": ("two.toml", body, "text/plain")}
    checked = await owner.post("/admin/program", data={"csrf": csrf_of(page)}, files=files)
    assert "two.toml has 2 problems" in checked.text
    assert "did you mean hold_days?" in checked.text and "attribution_days" in checked.text


async def test_a_check_with_no_file_chosen_says_so(owner: httpx.AsyncClient) -> None:
    page = await owner.get("/admin/program")
    # What a browser sends when no file is chosen: the field, with an empty file name.
    body = (
        f'--b\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{csrf_of(page)}\r\n'
        '--b\r\nContent-Disposition: form-data; name="program"; filename=""\r\n'
        "Content-Type: application/octet-stream\r\n\r\n\r\n--b--\r\n"
    )
    checked = await owner.post(
        "/admin/program",
        content=body.encode(),
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert "No file was chosen: choose a program file (.toml) to check." in checked.text
    assert "is valid" not in checked.text and "has 1 problem" not in checked.text


async def test_an_empty_file_is_not_a_valid_program(owner: httpx.AsyncClient) -> None:
    page = await owner.get("/admin/program")
    files = {"program": ("empty.toml", b"\n", "text/plain")}
    checked = await owner.post("/admin/program", data={"csrf": csrf_of(page)}, files=files)
    assert "empty.toml has 1 problem; the program in force is unchanged." in checked.text
    assert "empty.toml is empty." in checked.text and "is valid" not in checked.text


async def test_a_file_over_the_server_s_limit_gets_a_page_back_to_program(
    owner: httpx.AsyncClient,
) -> None:
    """Over 256 KB the page says so itself; over 1 MB the server refuses before reading, and
    the owner still sees a page with the way back, not a bare line."""
    page = await owner.get("/admin/program")
    huge = b'name = "' + b"a" * 1_200_000 + b'"\n'
    files = {"program": ("huge.toml", huge, "text/plain")}
    refused = await owner.post("/admin/program", data={"csrf": csrf_of(page)}, files=files)
    assert refused.status_code == 413
    assert refused.headers["content-type"].startswith("text/html")
    assert "<h1>That file is too large</h1>" in refused.text
    assert "What you sent is over 1,000 KB, more than the dashboard reads" in refused.text
    assert '<a href="/admin/program">Back to Program</a>' in refused.text


async def test_a_candidate_s_own_wording_of_its_rewards_is_shown(owner: httpx.AsyncClient) -> None:
    """The tiers example calls its points "Supercharger miles", as `program check` prints."""
    page = await owner.get("/admin/program")
    tiers = (Path(__file__).parents[2] / "examples" / "tiers.toml").read_bytes()
    files = {"program": ("tiers.toml", tiers, "text/plain")}
    checked = await owner.post("/admin/program", data={"csrf": csrf_of(page)}, files=files)
    assert "tiers.toml is valid" in checked.text
    assert "1,000 Supercharger miles" in checked.text
    assert "1,000 points" not in checked.text


async def test_a_candidate_whose_message_override_serve_would_refuse_is_not_valid(
    owner: httpx.AsyncClient,
) -> None:
    page = await owner.get("/admin/program")
    broken = b'[program]\nname = "Typo"\n\n[messages.en]\n"unit.points" = "{cnt} miles"\n'
    files = {"program": ("typo.toml", broken, "text/plain")}
    checked = await owner.post("/admin/program", data={"csrf": csrf_of(page)}, files=files)
    assert "is valid" not in checked.text
    assert "typo.toml has 1 problem; the program in force is unchanged." in checked.text
    assert "messages: override for &#39;unit.points&#39; may only use [&#39;count&#39;]" in (
        checked.text
    )
