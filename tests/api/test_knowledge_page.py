"""The topics, decisions and knowledge-at-risk views (``/knowledge``) in Debian's Chromium
against the real server with the sample organization and its people.yaml. Screenshots go
to test-output/page/ (knowledge-*.png)."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from tests.api.test_page import PHONE, Pages, browser, pages, shot  # noqa: F401 (fixtures)
from tests.conftest import LiveServer


def test_the_topics_view_lists_every_topic_and_opens_one_with_its_timeline(
    pages: Pages,  # noqa: F811
    people_server: LiveServer,
) -> None:
    topics = httpx.get(f"{people_server.url}/topics", timeout=120).json()["topics"]
    page = pages.open()
    page.goto(f"{people_server.url}/knowledge?view=topics")
    expect(page.locator("#topics .topic-card")).to_have_count(len(topics))
    shot(page, "knowledge-topics", full_page=True)
    with_decisions = next(
        t
        for t in topics
        if httpx.get(f"{people_server.url}/topics/{t['topic_id']}", timeout=60).json()["decisions"]
    )
    page.get_by_role("link", name=with_decisions["label"], exact=True).click()
    detail = httpx.get(
        f"{people_server.url}/topics/{with_decisions['topic_id']}", timeout=60
    ).json()
    expect(page.locator("#topic-timeline .tl-row")).to_have_count(len(detail["timeline"]))
    expect(page.locator("#topic-timeline .tl-point")).to_have_count(
        sum(1 for d in detail["decisions"] if d["date"])
    )
    expect(page.locator("#topic-decisions > li")).to_have_count(len(detail["decisions"]))
    expect(page.locator("h1")).to_have_text(detail["label"])
    shot(page, "knowledge-topic-timeline", full_page=True)


def test_the_risk_view_shows_each_topic_at_risk_with_its_bus_factor_and_successor(
    pages: Pages,  # noqa: F811
    people_server: LiveServer,
) -> None:
    risks = httpx.get(f"{people_server.url}/risk", timeout=120).json()["topics"]
    page = pages.open()
    page.goto(f"{people_server.url}/knowledge?view=risk")
    rows = page.locator("#risk tbody tr")
    expect(rows).to_have_count(len(risks))
    for i, risk in enumerate(risks):
        expect(rows.nth(i).locator(".bus")).to_have_text(str(risk["bus_factor"]))
        if risk["successor"]:
            expect(rows.nth(i)).to_contain_text(risk["successor"]["name"])
    shot(page, "knowledge-risk", full_page=True)
    holder = risks[0]["holders"][0]
    rows.first.get_by_role("link", name=holder["name"], exact=True).first.click()
    expect(page.locator("h1")).to_contain_text(f"What {holder['name']} knows")
    unique = httpx.get(
        f"{people_server.url}/people/{holder['person_id']}/unique-knowledge", timeout=60
    ).json()["topics"]
    expect(page.locator("#unique-knowledge tbody tr")).to_have_count(len(unique))
    shot(page, "knowledge-unique", full_page=True)


def test_the_decisions_view_and_a_profile_link_to_the_handover_view(
    pages: Pages,  # noqa: F811
    people_server: LiveServer,
) -> None:
    decisions = httpx.get(f"{people_server.url}/decisions?limit=100", timeout=120).json()
    page = pages.open()
    page.goto(f"{people_server.url}/knowledge?view=decisions")
    expect(page.locator("#decisions > li")).to_have_count(len(decisions["decisions"]))
    shot(page, "knowledge-decisions")
    person = httpx.get(f"{people_server.url}/people?q=Felix", timeout=60).json()["people"][0]
    page.goto(f"{people_server.url}/?profile={person['person_id']}")
    page.locator("a.unique-knowledge").click()
    expect(page.locator("h1")).to_contain_text(f"What {person['name']} knows")


def test_the_risk_and_timeline_views_fit_a_360_pixel_wide_screen(
    pages: Pages,  # noqa: F811
    people_server: LiveServer,
) -> None:
    topic = httpx.get(f"{people_server.url}/topics", timeout=120).json()["topics"][0]
    page = pages.open(PHONE)
    for view in ("view=risk", f"view=topic&topic={topic['topic_id']}"):
        page.goto(f"{people_server.url}/knowledge?{view}")
        expect(page.locator("h1")).to_be_visible()
        expect(page.locator("#status")).to_have_text("")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{view} scrolls sideways ({width} px)"
    shot(page, "knowledge-topic-phone", full_page=True)
