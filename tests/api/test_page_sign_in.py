"""The search page on a server that takes API tokens: it asks for one, keeps it in the
browser, sends it, and says who is signed in; a revoked token is asked for again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, Route, expect

from ingest.pipeline import ingest
from search.store.principals import create_token
from search.store.settings import Settings
from search.store.store import Store
from tests.access_org import build
from tests.api.test_page import Pages, browser, pages, shot  # noqa: F401  (fixtures)
from tests.conftest import LiveServer


@pytest.fixture(scope="module")
def token_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    base = tmp_path_factory.mktemp("page-sign-in")
    org = build(2, base / "files")
    settings = Settings(home=base / "home", people_file=org.people_file)
    store = Store.open(settings)
    ingest([org.root / "chat", org.root / "mail", org.root / "notes"], store)
    _, secret = create_token(store.catalog, "u0@corp.example", [], admin=False)
    store.close()
    with LiveServer(settings) as server:
        yield server, secret


def prompted(tabs: Pages, server: LiveServer, path: str) -> Page:
    """The page at ``path``, asking for a token."""
    page = tabs.open()
    page.goto(server.url + path)
    expect(page.get_by_role("dialog", name="Sign in")).to_be_visible()
    return page


def test_the_page_asks_for_a_token_keeps_it_and_searches_with_it(
    pages: Pages,  # noqa: F811
    token_server: tuple[LiveServer, str],
) -> None:
    server, secret = token_server
    page = prompted(pages, server, "/?q=plan")
    shot(page, "sign-in-token-prompt")
    page.get_by_label("API token").fill("wc_not-a-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("That token was not accepted")).to_be_visible()
    page.get_by_label("API token").fill(secret)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#results .result").first).to_be_visible()
    expect(page.locator("#store-info")).to_have_text("Signed in as u0@corp.example")
    expect(page.get_by_role("dialog", name="Sign in")).to_have_count(0)
    page.reload()  # the token stays in the browser
    expect(page.locator("#results .result").first).to_be_visible()
    assert page.evaluate("localStorage.getItem('watercooler.token')") == secret


def test_a_token_pasted_while_an_unsigned_request_is_refused_is_kept(
    pages: Pages,  # noqa: F811
    token_server: tuple[LiveServer, str],
) -> None:
    page = prompted(pages, token_server[0], "/")
    kept = page.evaluate(
        """async () => {
            const { getJson } = await import("/static/js/http.js");
            const refused = getJson("/search?q=plan").catch(() => null);  // sent with no token
            localStorage.setItem("watercooler.token", "wc_pasted-meanwhile");
            await refused;
            return localStorage.getItem("watercooler.token");
        }"""
    )
    assert kept == "wc_pasted-meanwhile"


def test_a_token_submitted_is_not_tried_by_the_page_it_was_typed_in(
    pages: Pages,  # noqa: F811
    token_server: tuple[LiveServer, str],
) -> None:
    # The page lives on until its reload arrives: its experts panel, waiting for the
    # server's features, must not try the new token then and forget it on a 401, or the
    # reloaded page would say it needs a token instead of that this one was not accepted.
    server, _ = token_server
    held: dict[str, Route] = {}
    page = pages.open()
    page.route("**/openapi.json", lambda route: held.setdefault("features", route))
    page.goto(server.url + "/?q=plan")
    expect(page.get_by_role("dialog", name="Sign in")).to_be_visible()
    page.route(f"{server.url}/?q=plan", lambda route: held.setdefault("reload", route))
    page.get_by_label("API token").fill("wc_not-a-token")
    page.get_by_role("button", name="Sign in").click(no_wait_after=True)
    page.wait_for_timeout(500)  # the panels' delay after the search
    held["features"].fallback()
    page.wait_for_timeout(1000)
    held["reload"].fallback()
    expect(page.get_by_text("That token was not accepted")).to_be_visible()
