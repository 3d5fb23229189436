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

from schools import services  # noqa: E402
from schools.models import Pairing, PairingStatus  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        # Not a skip: a browser test that quietly does not run proves nothing.
        pytest.fail(
            f"The browser tests need Debian's chromium at {CHROMIUM} (make test installs it)."
        )
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


def test_bureau_finds_a_school_by_typing_its_name(browser, live_server, world, active, far_pairing):
    bureau = sign_in(browser, live_server, "bureau")
    bureau.goto(f"{live_server.url}/pairings/")
    school_box = bureau.locator("input[name=school_code]")
    school_box.fill("山村")
    # The suggestions come from the scoped school API: 西山山村小学, never 远方's schools.
    options = bureau.locator("#school-suggestions option")
    expect(options).to_have_count(1)
    assert options.first.get_attribute("value") == world.assisted.code
    school_box.fill(world.assisted.code)
    bureau.locator("form.filters [type=submit]").click()
    expect(bureau.locator(f"a[href='/pairings/{active.pk}/']")).to_be_visible()
    expect(bureau.locator(".filter-chip")).to_contain_text("西山山村小学")


def test_coordinator_reports_progress_on_a_phone(browser, live_server, world, active):
    goal = services.goal_create(
        actor=world.coord_assisted,
        pairing=active,
        school=world.assisted,
        title="开发校本课程",
        target_value=3,
        unit="门",
        period_kind="year",
        school_year=2026,
    )
    phone = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}
    coordinator = sign_in(browser, live_server, "coord_assisted", **phone)
    coordinator.goto(f"{live_server.url}/pairings/{active.pk}/#plan")
    card = coordinator.locator(f"#goal-{goal.pk}")
    expect(card).to_contain_text("开发校本课程")
    card.locator("summary", has_text="填报进展").click()
    card.locator("input[name=value]").fill("2")
    card.locator("input[name=note]").fill("乡土文化、竹编艺术已开课")
    card.locator("form[action$='/progress/'] [type=submit]").click()

    card = coordinator.locator(f"#goal-{goal.pk}")
    expect(card).to_contain_text("已完成 2 / 3 门")
    expect(card).to_contain_text("66%")
    assert fits_the_screen(coordinator)
    goal.refresh_from_db()
    assert goal.current_value == 2
