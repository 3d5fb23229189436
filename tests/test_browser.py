"""In a real Chromium: a coordinator proposes a pairing, bureau staff approve it, and
the coordinator starts it and sees it active. The coordinator works on a phone-sized
screen (375 px) throughout.
"""

import os
import re
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the
# test itself (fixtures, assertions) are synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from schools.models import Pairing, PairingStatus  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


def sign_in(browser, live_server, username, **context_options):
    context = browser.new_context(locale="zh-CN", **context_options)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-12345")
    page.locator("form:has(#id_username) [type=submit]").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url
    return page


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_coordinator_proposes_bureau_approves_coordinator_sees_it_active(
    browser, live_server, world
):
    phone = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}
    coordinator = sign_in(browser, live_server, "coord_helping", **phone)
    assert coordinator.locator("html").get_attribute("lang") == "zh-hans"

    coordinator.goto(f"{live_server.url}/pairings/new/")
    coordinator.select_option("select[name=programme]", str(world.programme.pk))
    coordinator.locator("form:has(select[name=programme]) [type=submit]").click()
    coordinator.select_option("select[name=helping_school]", str(world.helping.pk))
    coordinator.select_option("select[name=assisted_schools]", str(world.assisted.pk))
    coordinator.fill("textarea[name=goals_summary]", "三年内培养市级骨干教师 2 名")
    coordinator.check("input[name=propose_now]")
    assert fits_the_screen(coordinator)
    coordinator.locator("form:has(select[name=helping_school]) [type=submit]").click()

    expect(coordinator).to_have_url(re.compile(r"/pairings/\d+/$"))
    pairing = Pairing.objects.get(helping_school=world.helping)
    assert pairing.status == PairingStatus.PROPOSED
    expect(coordinator.locator(".status-proposed, .badge-proposed").first).to_be_visible()
    assert fits_the_screen(coordinator)

    bureau = sign_in(browser, live_server, "bureau")
    bureau.goto(f"{live_server.url}/dashboard/")
    bureau.locator(f"a[href='/pairings/{pairing.pk}/']").first.click()
    bureau.locator(f"form[action='/pairings/{pairing.pk}/approve/'] [type=submit]").click()
    expect(bureau.locator(".status-approved, .badge-approved").first).to_be_visible()

    coordinator.goto(f"{live_server.url}/pairings/{pairing.pk}/")
    coordinator.fill("input[name=agreement_signed_on]", "2026-09-01")
    coordinator.locator(f"form[action='/pairings/{pairing.pk}/activate/'] [type=submit]").click()
    expect(coordinator.locator(".status-active, .badge-active").first).to_be_visible()

    coordinator.goto(f"{live_server.url}/my-school/")
    expect(coordinator.locator(f"a[href='/pairings/{pairing.pk}/']").first).to_be_visible()
    expect(coordinator.locator(".status-active, .badge-active").first).to_be_visible()
    assert fits_the_screen(coordinator)
    pairing.refresh_from_db()
    assert pairing.status == PairingStatus.ACTIVE
    assert [t.actor.username for t in pairing.transitions.all()] == [
        "coord_helping",
        "coord_helping",
        "bureau",
        "coord_helping",
    ]
