"""In a real Chromium: a coordinator proposes a pairing, bureau staff approve it, and
the coordinator starts it and sees it active. The coordinator works on a phone-sized
screen (375 px) throughout.

Every page these tests open is checked with axe-core against WCAG 2.1 AA
(:func:`assert_accessible`); a violation fails the test with axe's report. So does
anything the page's Content-Security-Policy refused (an inline script, style or event
handler), which the browser reports as it loads the page.
"""

import datetime as dt
import io
import os
import re
from pathlib import Path

import openpyxl
import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the
# test itself (fixtures, assertions) are synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.utils import timezone  # noqa: E402
from PIL import Image  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from activities import services as activity_services  # noqa: E402
from activities.models import ActivityKind, ActivityStatus  # noqa: E402
from schools import services  # noqa: E402
from schools.models import Pairing, PairingStatus  # noqa: E402
from teachers import services as teacher_services  # noqa: E402
from teachers.models import Teacher  # noqa: E402
from teachers.resources import COLUMNS as TEACHER_COLUMNS  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
# A common laptop: the narrowest desktop every page must fit without a sideways scroll.
WIDE = {"viewport": {"width": 1366, "height": 900}}
AXE = Axe()  # axe-core ships inside the package: nothing is fetched
WCAG_21_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


# Before any of the page's own: every report of the policy refusing something, kept.
WATCH_POLICY = """
window.__refused = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__refused.push(event.violatedDirective + " " + (event.blockedURI || "inline") +
                        " " + (event.sample || ""));
});
"""


def assert_accessible(page) -> None:
    """No WCAG 2.1 A or AA violation that axe-core can find on the page as it is now, and
    nothing its Content-Security-Policy refused."""
    refused = page.evaluate("window.__refused || []")
    assert not refused, f"{page.url}: the Content-Security-Policy refused {refused}"
    results = AXE.run(page, options=WCAG_21_AA)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


def jpeg(name: str) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (40, 120, 90)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def visit(page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state()
    assert_accessible(page)


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
    context = browser.new_context(locale="zh-CN", **(context_options or DESKTOP))
    context.add_init_script(WATCH_POLICY)
    page = context.new_page()
    visit(page, f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-12345")
    page.locator("form:has(#id_username) [type=submit]").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url
    assert_accessible(page)
    return page


# What does not fit: the page scrolling sideways, a table that scrolls at desktop width,
# text cut off by the viewport or by a clipping (overflow: hidden) ancestor. Text inside
# a scroll container is not cut off (it scrolls into view: the tables on a phone), and
# text hidden on purpose (.visually-hidden's clip) is not text a reader should see.
MISFITS = """
(wide) => {
  const vw = window.innerWidth;
  const problems = [];
  const describe = (el) => {
    const classes = typeof el.className === "string" ? el.className.trim().split(/\\s+/) : [];
    const tag = [el.tagName.toLowerCase(), ...classes.filter(Boolean)].join(".");
    const text = (el.innerText || el.textContent || "").trim().replace(/\\s+/g, " ");
    const r = el.getBoundingClientRect();
    const [left, right, width] = [r.left, r.right, r.width].map(Math.round);
    return `<${tag}> "${text.slice(0, 40)}" [${left}..${right}, width ${width}]`;
  };
  const scrolls = (cs) => cs.overflowX === "auto" || cs.overflowX === "scroll";
  const clips = (cs) => cs.overflowX === "hidden" || cs.overflowX === "clip";
  const root = document.documentElement;
  if (root.scrollWidth > vw + 1) {
    // The outermost elements sticking out, not those inside a scroll container.
    const out = [];
    for (const el of document.body.querySelectorAll("*")) {
      if (el.getBoundingClientRect().right <= vw + 1) continue;
      let inner = false;
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        if (scrolls(getComputedStyle(a)) || a.getBoundingClientRect().right > vw + 1) {
          inner = true;
          break;
        }
      }
      if (!inner) out.push(describe(el));
    }
    problems.push(`the page scrolls sideways: ${root.scrollWidth} px wide in a ${vw} px ` +
                  "window; sticking out: " + out.slice(0, 8).join("; "));
  }
  if (wide) {
    for (const wrap of document.querySelectorAll(".table-wrap")) {
      if (wrap.getClientRects().length && wrap.scrollWidth > wrap.clientWidth + 1) {
        const table = wrap.querySelector("table");
        problems.push(`a table scrolls at desktop width: ${wrap.scrollWidth} px of table ` +
                      `in ${wrap.clientWidth} px: ` + describe(table || wrap).slice(0, 120));
      }
    }
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.data.trim() || !el || seen.has(el)) continue;
    if (el.closest("script, style, template, noscript")) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
    if (!rects.length || getComputedStyle(el).visibility !== "visible") continue;
    const right = Math.max(...rects.map((r) => r.right));
    let limit = vw, clipper = null, hidden = false;
    for (let a = el; a && a !== document.documentElement; a = a.parentElement) {
      const cs = getComputedStyle(a);
      if (cs.clip !== "auto" || cs.clipPath !== "none") { hidden = true; break; }
      if (scrolls(cs)) { if (!clipper) limit = Infinity; break; }
      if (clips(cs) && !clipper) {
        clipper = a;
        limit = Math.min(limit, a.getBoundingClientRect().right - parseFloat(cs.borderRightWidth));
      }
    }
    if (hidden || right <= limit + 1) continue;
    seen.add(el);
    const by = clipper ? "by " + describe(clipper).slice(0, 60) : "by the window";
    problems.push(`text cut off at ${Math.round(limit)} px (${by}): ` + describe(el) +
                  ` ends at ${Math.round(right)}`);
  }
  return problems;
}
"""


def assert_fits(page, wide: bool) -> None:
    """The page fits its window: it does not scroll sideways, no text is cut off, and at
    desktop width (``wide``) no table needs a horizontal scroll."""
    problems = list(dict.fromkeys(page.evaluate(MISFITS, wide)))
    width = page.viewport_size["width"]
    assert not problems, f"{page.url} at {width} px:\n  " + "\n  ".join(problems[:20])


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_coordinator_proposes_bureau_approves_coordinator_sees_it_active(
    browser, live_server, world
):
    coordinator = sign_in(browser, live_server, "coord_helping", **PHONE)
    assert coordinator.locator("html").get_attribute("lang") == "zh-hans"

    visit(coordinator, f"{live_server.url}/pairings/new/")
    coordinator.select_option("select[name=programme]", str(world.programme.pk))
    coordinator.locator("form:has(select[name=programme]) [type=submit]").click()
    assert_accessible(coordinator)
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
    assert_accessible(coordinator)

    bureau = sign_in(browser, live_server, "bureau")
    visit(bureau, f"{live_server.url}/dashboard/")
    bureau.locator(f"a[href='/pairings/{pairing.pk}/']").first.click()
    assert_accessible(bureau)
    bureau.locator(f"form[action='/pairings/{pairing.pk}/approve/'] [type=submit]").click()
    expect(bureau.locator(".status-approved, .badge-approved").first).to_be_visible()
    assert_accessible(bureau)

    visit(coordinator, f"{live_server.url}/pairings/{pairing.pk}/")
    coordinator.fill("input[name=agreement_signed_on]", "2026-09-01")
    coordinator.locator(f"form[action='/pairings/{pairing.pk}/activate/'] [type=submit]").click()
    expect(coordinator.locator(".status-active, .badge-active").first).to_be_visible()

    visit(coordinator, f"{live_server.url}/my-school/")
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
    visit(bureau, f"{live_server.url}/pairings/")
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
    assert_accessible(bureau)


def test_bureau_narrows_the_list_to_a_county_by_typing_its_name(
    browser, live_server, world, active, far_pairing
):
    bureau = sign_in(browser, live_server, "bureau")
    visit(bureau, f"{live_server.url}/schools/")
    region_box = bureau.locator("input[name=region_code]")
    region_box.fill("西山")
    options = bureau.locator("#region-suggestions option")
    expect(options).to_have_count(1)
    assert options.first.get_attribute("value") == world.west.code
    region_box.fill(world.west.code)
    bureau.locator("form.filters [type=submit]").click()
    expect(bureau.locator("table")).to_contain_text("西山山村小学")
    expect(bureau.locator("table")).not_to_contain_text("江城实验小学")
    assert_accessible(bureau)


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
    coordinator = sign_in(browser, live_server, "coord_assisted", **PHONE)
    visit(coordinator, f"{live_server.url}/pairings/{active.pk}/")
    # The plan is a tab of the pairing page, one tap away on a phone.
    coordinator.locator("nav.tabs a", has_text="需求与规划").click()
    expect(coordinator).to_have_url(f"{live_server.url}/pairings/{active.pk}/plan/")
    assert_accessible(coordinator)
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
    assert_accessible(coordinator)
    goal.refresh_from_db()
    assert goal.current_value == 2


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_every_page_meets_wcag_21_aa(browser, live_server, world, active, size):
    """Each page of each role, at desktop and phone width, passes axe-core."""
    options = WIDE if size == "desktop" else PHONE
    teacher = teacher_services.teacher_create(
        actor=None, school=world.helping, name="陈红梅", honours=[{"kind": "famous_teacher"}],
        user=world.mentor,
    )  # fmt: skip
    mentee = teacher_services.teacher_create(
        actor=None,
        school=world.assisted,
        name="赵小燕",
        first_employed_year=2025,
        user=world.mentee,
    )
    mentorship = teacher_services.mentorship_create(
        actor=world.bureau, mentor=teacher, mentee=mentee, subject="语文",
        start=active.agreement_signed_on, agreement_text="每周指导一次",
    )  # fmt: skip
    teacher_services.record_file(
        actor=world.mentee, mentorship=mentorship, kind="reflection",
        date=active.agreement_signed_on, content="反思", checklist={"best": "导入"},
    )  # fmt: skip
    kinds = {k.code: k for k in ActivityKind.objects.all()}
    start = timezone.now() - dt.timedelta(days=2)
    held, _ = activity_services.activity_schedule(
        actor=world.coord_helping, pairing=active, kind=kinds["visit"], title="互访",
        host_school=world.assisted, place="会议室", starts_at=start,
        ends_at=start + dt.timedelta(hours=2), participants=[teacher, mentee],
    )  # fmt: skip
    activity_services.activity_complete(
        actor=world.coord_helping, activity=held, summary="顺利", files=[jpeg("现场.jpg")]
    )
    planned, _ = activity_services.activity_schedule(
        actor=world.coord_helping, pairing=active, kind=kinds["lecture"], title="讲座",
        host_school=world.helping, place="报告厅", starts_at=start + dt.timedelta(days=9),
        ends_at=start + dt.timedelta(days=9, hours=2),
    )  # fmt: skip
    activity_services.resource_share(
        actor=world.coord_helping, pairing=active, upload=jpeg("板书.jpg"), title="板书",
        category="courseware", activity=held,
    )  # fmt: skip
    secondment = activity_services.secondment_record(
        actor=world.coord_helping, pairing=active, kind="teaching_placement", teacher=teacher,
        host_school=world.assisted, start=dt.date(2026, 9, 1), end=dt.date(2026, 12, 31),
        duties="支教",
    )  # fmt: skip
    funding_pages, aid_pages = _funding_and_aid(world, active, teacher, secondment)
    exchanges = [
        "/activities/",
        "/activities/?status=nonsense",
        f"/activities/{held.pk}/",
        f"/activities/{planned.pk}/",
        f"/activities/{planned.pk}/edit/",
        f"/pairings/{active.pk}/exchanges/",
        f"/pairings/{active.pk}/activities/new/",
        "/secondments/",
        f"/secondments/{secondment.pk}/",
        f"/secondments/{secondment.pk}/edit/",
        f"/pairings/{active.pk}/secondments/new/",
        "/calendar/days/",
        "/calendar/terms/",
        "/activities/kinds/",
        f"/activities/kinds/{kinds['visit'].pk}/edit/",
        "/calendar/",
        "/calendar/feed/",
    ]
    pages = {
        "bureau": [*exchanges,
            "/dashboard/", "/pairings/", "/pairings/?status=nonsense", f"/pairings/{active.pk}/",
            f"/pairings/{active.pk}/plan/", f"/pairings/{active.pk}/history/",
            f"/pairings/{active.pk}/edit/", "/pairings/new/", "/schools/",
            f"/schools/{world.helping.pk}/", f"/schools/{world.helping.pk}/edit/",
            "/schools/new/", "/programmes/", f"/programmes/{world.programme.pk}/",
            f"/programmes/{world.programme.pk}/edit/", "/programmes/new/", "/notifications/",
            f"/programmes/{world.programme.pk}/targets/",
            f"/programmes/{world.programme.pk}/mentorship-rules/",
            "/accounts/password/", "/pairings/999999/", "/teachers/",
            f"/teachers/{teacher.pk}/", f"/teachers/{teacher.pk}/edit/", "/teachers/new/",
            "/imports/", "/imports/teachers/", "/imports/schools/", "/mentorships/",
            "/mentorships/compliance/",
            "/mentorships/compliance/?group=county", f"/pairings/{active.pk}/mentorships/",
            f"/mentorships/{mentorship.pk}/", "/mentorships/new/",
            f"/mentorships/new/?pairing={active.pk}",
        ],
        "coord_assisted": [
            "/my-school/", "/pairings/", f"/pairings/{active.pk}/", f"/pairings/{active.pk}/plan/",
        ],
        "mentor": ["/", f"/pairings/{active.pk}/", "/mentorships/review/",
                   f"/mentorships/{mentorship.pk}/", f"/pairings/{active.pk}/exchanges/",
                   f"/activities/{held.pk}/", "/calendar/days/", "/calendar/terms/",
                   "/activities/kinds/", "/calendar/week/?mine=1",
                   f"/pairings/{active.pk}/resources/"],
        "mentee": ["/", f"/mentorships/{mentorship.pk}/records/new/",
                   f"/mentorships/{mentorship.pk}/", f"/teachers/{mentee.pk}/participation/"],
        "inspector": ["/dashboard/", f"/pairings/{active.pk}/", "/schools/", "/funding/",
                      f"/programmes/{world.programme.pk}/mentorship-rules/"],
        "coord_helping": funding_pages["coordinator"],
        "aid_officer": aid_pages,
    }  # fmt: skip
    pages["bureau"] += funding_pages["bureau"]
    # --- evaluation templates and rankings (begin) ---
    evaluation_pages = _templates_and_rankings(world)
    pages["bureau"] += evaluation_pages["bureau"]
    pages["inspector"] += evaluation_pages["reader"]
    pages["coord_helping"] += evaluation_pages["reader"][1:]
    # --- evaluation templates and rankings (end) ---
    # --- evaluation pages (begin) ---
    for username, paths in _scorecards(world, active).items():
        pages[username] += paths
    # --- evaluation pages (end) ---
    for username, paths in pages.items():
        page = sign_in(browser, live_server, username, **options)
        for path in paths:
            visit(page, f"{live_server.url}{path}")
            assert_fits(page, wide=size == "desktop")
        page.context.close()


# --- evaluation templates and rankings (begin) ---
def _templates_and_rankings(world):
    """The programme's draft template and a finalised year of the helping school's
    pairing in a second programme, and the template and ranking pages that show them."""
    from evaluation import services as evaluation
    from evaluation.models import Source, Template
    from tests.factories import ProgrammeFactory, SchoolFactory, UserFactory

    default = Template.objects.get(programme__isnull=True)
    draft = evaluation.template_copy(actor=world.bureau, source=default, programme=world.programme)
    area, indicator = draft.areas.first(), draft.indicators.get(code="4.1")
    admin = UserFactory(username="evaluation_admin", is_superuser=True, is_staff=True)
    pairing = services.pairing_create(
        actor=world.bureau, programme=ProgrammeFactory(name="江城市强校带弱校", region=world.city),
        helping_school=world.helping,
        assisted_schools=[SchoolFactory(name="西山中心小学", region=world.west)],
    )  # fmt: skip
    services.pairing_propose(actor=world.bureau, pairing=pairing)
    services.pairing_approve(actor=world.bureau2, pairing=pairing)
    pairing = services.pairing_activate(
        actor=world.bureau, pairing=pairing, agreement_signed_on=dt.date(2026, 9, 1)
    )
    card = evaluation.scorecard_open(pairing=pairing, year=1)
    entries = {s.indicator_id: {"score": "4"}
               for s in card.scores.filter(indicator__source=Source.MANUAL)}  # fmt: skip
    evaluation.scorecard_self_assess(actor=admin, scorecard=card, entries=entries)
    evaluation.scorecard_submit(actor=admin, scorecard=card)
    evaluation.scorecard_confirm(actor=admin, scorecard=card)
    evaluation.scorecard_inspect(actor=world.inspector, scorecard=card, entries=entries)
    evaluation.scorecard_finish_inspection(actor=world.inspector, scorecard=card)
    evaluation.scorecard_finalise(actor=world.bureau, scorecard=card)
    reader = ["/evaluation/templates/", "/evaluation/rankings/", "/evaluation/rankings/?year=2"]
    return {
        "bureau": [*reader, f"/evaluation/templates/{default.pk}/",
                   f"/evaluation/templates/{draft.pk}/", f"/evaluation/templates/{draft.pk}/edit/",
                   f"/evaluation/templates/{draft.pk}/areas/new/",
                   f"/evaluation/areas/{area.pk}/edit/",
                   f"/evaluation/templates/{draft.pk}/indicators/new/",
                   f"/evaluation/indicators/{indicator.pk}/edit/"],
        "reader": [f"/evaluation/templates/{draft.pk}/", *reader[1:]],
    }  # fmt: skip


# --- evaluation templates and rankings (end) ---


# --- evaluation pages (begin) ---
def _scorecards(world, active):
    """Three years of the pairing's evaluation: year 1 open with a photo as evidence,
    year 2 with the inspectors, year 3 finalised; and the pages of each role."""
    from evaluation import services as evaluation
    from evaluation.models import Document, Source

    def manual(card):
        return card.scores.filter(indicator__source=Source.MANUAL).order_by("indicator__code")

    first = evaluation.scorecard_open(pairing=active, year=1)
    evaluation.scorecard_self_assess(
        actor=world.coord_helping, scorecard=first,
        entries={s.indicator_id: {"score": "3", "note": "已开展"} for s in manual(first)[:3]},
        uploads={manual(first)[0].indicator_id: [jpeg("佐证.jpg")]},
    )  # fmt: skip
    cards = [first]
    for year in (2, 3):
        card = evaluation.scorecard_open(pairing=active, year=year)
        entries = {s.indicator_id: {"score": "4", "note": "已完成"} for s in manual(card)}
        evaluation.scorecard_self_assess(actor=world.coord_helping, scorecard=card,
                                         entries=entries)  # fmt: skip
        evaluation.scorecard_submit(actor=world.coord_helping, scorecard=card)
        evaluation.scorecard_confirm(actor=world.coord_assisted, scorecard=card)
        cards.append(card)
    third = cards[2]
    entries = {s.indicator_id: {"score": "4", "comment": "核实"} for s in manual(third)}
    evaluation.scorecard_inspect(actor=world.inspector, scorecard=third, entries=entries)
    evaluation.scorecard_finish_inspection(actor=world.inspector, scorecard=third)
    evaluation.scorecard_finalise(actor=world.bureau, scorecard=third)
    one, two, three = (f"/evaluation/scorecards/{card.pk}/" for card in cards)
    tab = f"/pairings/{active.pk}/evaluation/"
    # The report archive: the third year's PDF evaluation, built on finalisation.
    document = f"/evaluation/documents/{Document.objects.get(pairing=active).pk}/status/"
    archive = [
        "/evaluation/documents/",
        "/evaluation/documents/?kind=nonsense",
        f"/evaluation/regions/{world.city.pk}/documents/",
        document,
    ]
    return {
        "bureau": [tab, "/evaluation/scorecards/", "/evaluation/scorecards/?status=nonsense",
                   f"/evaluation/scorecards/?q={world.assisted.code}",
                   "/evaluation/finalisation/", "/evaluation/inspection/", one, two, three,
                   *archive],
        "inspector": [tab, "/evaluation/inspection/", "/evaluation/scorecards/", two,
                      f"{two}inspection/", three, *archive],
        "coord_helping": [tab, "/my-school/", "/evaluation/scorecards/", one,
                          f"{one}self-assessment/", three],
        "coord_assisted": [tab, one, three],
    }  # fmt: skip


# --- evaluation pages (end) ---


def _funding_and_aid(world, active, teacher, secondment):
    """Money and student aid of the pairing, and the pages that show them."""
    from funding import services as funding
    from funding.models import AidStep
    from tests.factories import UserFactory, assign
    from twinning.models import Role

    budget = funding.budget_create(
        actor=world.bureau, region=world.city, programme=world.programme, source="市级专项",
        fiscal_year=2026, amount="900000", purpose="结对帮扶",
    )  # fmt: skip
    allocation = funding.allocation_create(actor=world.bureau, budget=budget, pairing=active)
    funding.tranche_release(actor=world.bureau, tranche=allocation.tranches.get(number=1))
    meal = funding.disbursement_submit(
        actor=world.coord_helping,
        disbursement=funding.disbursement_create(
            actor=world.coord_helping, pairing=active, purpose="meal_allowance",
            secondment=secondment, period_end=dt.date(2026, 9, 30),
        ),
    )  # fmt: skip
    draft = funding.disbursement_create(
        actor=world.coord_helping, pairing=active, purpose="equipment", payee_kind="school",
        school=world.assisted, amount="3200", description="投影仪", receipts=[jpeg("发票.jpg")],
    )  # fmt: skip
    donation = funding.donation_record(
        actor=world.coord_helping, pairing=active, school=world.assisted, donor="爱心企业",
        category="books", items="课外读物", quantity=200, unit="册", estimated_value="3000",
        received_on=dt.date(2026, 11, 2), evidence=[jpeg("交接.jpg")],
    )  # fmt: skip
    officer = UserFactory(username="aid_officer", full_name="资助办")
    assign(assign(officer, Role.BUREAU, region=world.city), Role.AID, region=world.city)
    scheme = funding.aid_scheme_create(
        actor=officer, region=world.city, name="生活补助", kind="national_grant", form="money",
        period="year", tiers=[{"name": "一档", "amount": "1250"}],
    )  # fmt: skip
    student = funding.student_create(
        actor=world.coord_assisted, school=world.assisted, name="张小明", gender="m",
        grade="3", class_name="三(2)班", guardian_name="张大山", guardian_phone="13900001111",
    )  # fmt: skip
    application = funding.aid_application_create(
        actor=world.coord_assisted, student=student, scheme=scheme,
        tier=scheme.tiers.get(), school_year=2026,
    )  # fmt: skip
    for step in AidStep.values:
        funding.aid_step_record(
            actor=world.coord_assisted, application=application, step=step,
            done_on=timezone.localdate(),
            files=[jpeg("签字.jpg")] if step == "guardian_signature" else [],
        )  # fmt: skip
    funding.aid_application_submit(actor=world.coord_assisted, application=application)
    notice = funding.aid_notice_open(
        actor=world.coord_assisted, school=world.assisted, scheme=scheme, period="2026",
        starts_on=timezone.localdate(),
    )  # fmt: skip
    funding.aid_notice_publish(actor=officer, notice=notice)
    money = [
        "/funding/",
        "/funding/budgets/",
        f"/funding/budgets/{budget.pk}/",
        "/funding/approvals/",
        "/funding/disbursements/",
        f"/funding/disbursements/{meal.pk}/",
        f"/funding/disbursements/{draft.pk}/",
        "/funding/ledger/",
        "/funding/donations/",
        f"/funding/donations/{donation.pk}/",
        f"/pairings/{active.pk}/funding/",
    ]
    return {
        "bureau": [*money, "/funding/budgets/new/", f"/funding/budgets/{budget.pk}/edit/"],
        "coordinator": [*money, f"/pairings/{active.pk}/disbursements/new/",
                        f"/funding/disbursements/{draft.pk}/edit/",
                        f"/pairings/{active.pk}/donations/new/", "/aid/students/new/"],
    }, [
        "/aid/", "/aid/students/", f"/aid/students/{student.pk}/",
        f"/aid/applications/{application.pk}/", "/aid/schemes/", f"/aid/schemes/{scheme.pk}/",
        "/aid/schemes/new/", "/aid/notices/", f"/aid/notices/{notice.pk}/", "/aid/notices/new/",
        f"/aid/notice/{notice.token}/", "/aid/access-log/",
    ]  # fmt: skip


def test_coordinator_imports_teachers_fixing_the_errors_the_check_shows(
    browser, live_server, world, active, tmp_path
):
    header = list(TEACHER_COLUMNS.values())

    def workbook(name, *rows):
        book = openpyxl.Workbook()
        book.active.append(header)
        for row in rows:
            book.active.append([row.get(column, "") for column in TEACHER_COLUMNS])
        path = tmp_path / name
        book.save(path)
        return path

    page = sign_in(browser, live_server, "coord_helping", **PHONE)
    visit(page, f"{live_server.url}/teachers/")
    page.get_by_role("link", name="导入").click()
    page.wait_for_load_state()
    assert_accessible(page)
    wrong = workbook(
        "wrong.xlsx",
        {"school": "3451000001", "name": "王芳", "title": "教授"},
        {"school": "3451000002", "name": "李雷"},
    )
    page.set_input_files("#id_file", wrong)
    page.get_by_role("button", name="上传并检查").click()
    page.wait_for_load_state()
    expect(page.get_by_role("alert")).to_contain_text("2 处错误")
    expect(page.locator("table")).to_contain_text("职称")
    assert fits_the_screen(page)
    assert_accessible(page)
    assert not Teacher.objects.filter(name="王芳").exists()

    page.get_by_role("link", name="上传其他文件").click()
    page.wait_for_load_state()
    right = workbook("right.xlsx", {"school": "3451000001", "name": "王芳", "title": "一级教师"})
    page.set_input_files("#id_file", right)
    page.get_by_role("button", name="上传并检查").click()
    page.wait_for_load_state()
    expect(page.locator("main")).to_contain_text("导入后将新增 1 条")
    assert_accessible(page)
    assert not Teacher.objects.filter(name="王芳").exists()  # nothing before the confirmation
    page.get_by_role("button", name="立即导入").click()
    page.wait_for_load_state()
    expect(page.get_by_role("status")).to_contain_text("新增 1 条")
    assert_accessible(page)
    page.get_by_role("link", name="前往教师").click()
    page.wait_for_load_state()
    expect(page.locator("table")).to_contain_text("王芳")
    assert Teacher.objects.get(name="王芳").title == "first"

    # The history lists both files, the wrong one with its errors.
    visit(page, f"{live_server.url}/imports/")
    expect(page.locator("table")).to_contain_text("wrong.xlsx")
    expect(page.locator("table")).to_contain_text("right.xlsx")
    assert fits_the_screen(page)
    assert_accessible(page)


def test_on_a_phone_the_mentee_files_the_mentor_comments_and_signs_off_compliance_updates(
    browser, live_server, world, active, monkeypatch
):
    import datetime as dt

    monkeypatch.setattr("twinning.calendar.today", lambda: dt.date(2026, 11, 18))
    mentor = teacher_services.teacher_create(
        actor=None, school=world.helping, name="陈红梅", first_employed_year=2005, user=world.mentor
    )
    mentee = teacher_services.teacher_create(
        actor=None,
        school=world.assisted,
        name="赵小燕",
        first_employed_year=2024,
        user=world.mentee,
    )
    mentorship = teacher_services.mentorship_create(
        actor=world.bureau, mentor=mentor, mentee=mentee, subject="语文",
        start=dt.date(2026, 9, 1), agreement_text="每周指导一次",
    )  # fmt: skip

    page = sign_in(browser, live_server, "mentee", **PHONE)
    home = page.locator("#my-mentorships").locator("..")
    expect(home).to_contain_text("本月：师徒互相听课 0 / 4")
    # Three taps from home: the button, the kind, and File.
    page.get_by_role("link", name="填写记录").click()
    page.wait_for_load_state()
    assert_accessible(page)
    topic = page.locator(".field:has(#id_lesson_topic)")
    page.select_option("#id_kind", "lesson_design")
    expect(topic).not_to_have_class(re.compile(r"field-required"))
    page.select_option("#id_kind", "observation")
    # An observation requires its class, topic and whose lesson: marked so as it is chosen.
    expect(topic).to_have_class(re.compile(r"field-required"))
    expect(page.locator("#id_observed")).to_have_attribute("aria-required", "true")
    assert_accessible(page)
    page.fill("#id_lesson_class", "三(2)班")
    page.fill("#id_lesson_topic", "秋天的雨")
    page.select_option("#id_observed", "partner")
    page.fill("#id_content", "导入生动，朗读指导有层次。")
    page.get_by_role("button", name="提交记录").click()
    page.wait_for_load_state()
    expect(page.locator("#records")).to_contain_text("秋天的雨")
    assert fits_the_screen(page)
    assert_accessible(page)
    page.context.close()

    page = sign_in(browser, live_server, "mentor", **PHONE)
    page.get_by_role("link", name="1 条记录待审阅").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.fill("textarea[name=text]", "记录很细，下次写写你的改进设想。")
    page.get_by_role("button", name="发送").click()
    page.wait_for_load_state()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="签字确认").click()
    page.wait_for_load_state()
    expect(page.locator("main")).to_contain_text("没有待审阅的记录")
    assert_accessible(page)
    page.context.close()

    record = mentorship.records.get()
    assert record.is_locked and record.comments.get().text.startswith("记录很细")
    page = sign_in(browser, live_server, "mentee", **PHONE)
    expect(page.locator("#my-mentorships").locator("..")).to_contain_text(
        "本月：师徒互相听课 1 / 4"
    )
    visit(page, f"{live_server.url}/mentorships/{mentorship.pk}/")
    expect(page.locator(f"#record-{record.pk}")).to_contain_text("已签字确认")
    assert fits_the_screen(page)
    page.context.close()


def test_a_coordinator_schedules_an_activity_then_logs_it_with_a_photo(
    browser, live_server, world, active, tmp_path
):
    teacher_services.teacher_create(actor=None, school=world.helping, name="陈红梅")
    teacher_services.teacher_create(actor=None, school=world.assisted, name="赵小燕")
    page = sign_in(browser, live_server, "coord_assisted", **PHONE)
    visit(page, f"{live_server.url}/pairings/{active.pk}/exchanges/")
    delivery = page.locator("#targets").locator("..").locator("tr", has_text="送教/示范课")
    expect(delivery.locator("td.num").first).to_have_text("0")
    page.get_by_role("link", name="安排活动").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.select_option("#id_kind", label="送教/示范课")
    page.fill("#id_title", "送教下乡：三年级语文")
    page.select_option("#id_host_school", str(world.assisted.pk))
    # Held this morning, so that it can be logged now.
    start = timezone.localtime() - dt.timedelta(hours=3)
    page.fill("#id_starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_ends_at", (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_place", "多媒体教室")
    page.get_by_label("陈红梅 · 江城实验小学").check()
    page.get_by_role("button", name="安排", exact=True).click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_contain_text("送教下乡：三年级语文")
    assert fits_the_screen(page)
    assert_accessible(page)

    photo = tmp_path / "现场.jpg"
    photo.write_bytes(jpeg("现场.jpg").read())
    page.fill("#id_summary", "两节示范课，二十位老师听课评课。")
    page.set_input_files("#id_evidence", str(photo))
    page.get_by_role("button", name="登记为已举行").click()
    page.wait_for_load_state()
    expect(page.locator(".badge-completed")).to_be_visible()
    expect(page.locator(".attachments img")).to_have_count(1)
    assert_accessible(page)
    visit(page, f"{live_server.url}/pairings/{active.pk}/exchanges/")
    expect(page.locator("#past").locator("..")).to_contain_text("送教下乡：三年级语文")
    # The pairing's target of lesson deliveries (two a term, at the assisted school) moved.
    delivery = page.locator("#targets").locator("..").locator("tr", has_text="送教/示范课")
    expect(delivery.locator("td.num").first).to_have_text("1")
    page.context.close()
    assert active.activities.get().status == ActivityStatus.COMPLETED


def test_a_coordinator_requests_money_the_bureau_approves_and_pays_and_the_ledger_follows(
    browser, live_server, world, active, tmp_path
):
    from funding import services as funding_services
    from funding.models import Disbursement, DisbursementStatus

    budget = funding_services.budget_create(
        actor=world.bureau, region=world.city, programme=world.programme,
        source="市级财政结对帮扶专项", fiscal_year=2026, amount="600000", purpose="结对帮扶",
    )  # fmt: skip
    allocation = funding_services.allocation_create(
        actor=world.bureau, budget=budget, pairing=active
    )
    funding_services.tranche_release(actor=world.bureau, tranche=allocation.tranches.get(number=1))

    receipt = tmp_path / "车票.jpg"
    receipt.write_bytes(jpeg("车票.jpg").read())
    page = sign_in(browser, live_server, "coord_helping", **PHONE)
    visit(page, f"{live_server.url}/pairings/{active.pk}/funding/")
    page.locator(f"a[href='/pairings/{active.pk}/disbursements/new/']").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.select_option("#id_purpose", "transport")
    page.select_option("#id_payee_kind", "school")
    page.select_option("#id_school", str(world.helping.pk))
    page.fill("#id_amount", "1860.50")
    page.fill("#id_description", "送教下乡租车费")
    page.set_input_files("#id_receipts", str(receipt))
    assert fits_the_screen(page)
    page.locator("form[enctype] [type=submit]").click()
    page.wait_for_load_state()
    assert_accessible(page)
    expect(page.locator(".attachments img")).to_have_count(1)
    page.locator("form[action$='/submit/'] [type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".badge-submitted")).to_be_visible()
    assert fits_the_screen(page)
    page.context.close()

    d = Disbursement.objects.get()
    bureau = sign_in(browser, live_server, "bureau")
    visit(bureau, f"{live_server.url}/funding/approvals/")
    bureau.locator(f"a[href='/funding/disbursements/{d.pk}/']").click()
    bureau.wait_for_load_state()
    assert_accessible(bureau)
    bureau.locator("form[action$='/approve/'] [type=submit]").click()
    bureau.wait_for_load_state()
    expect(bureau.locator(".badge-approved")).to_be_visible()
    bureau.fill("#id_paid_on", str(timezone.localdate()))
    bureau.fill("#id_reference", "PZ-2026-118")
    bureau.once("dialog", lambda dialog: dialog.accept())
    bureau.locator("form[action$='/pay/'] [type=submit]").click()
    bureau.wait_for_load_state()
    expect(bureau.locator(".badge-paid")).to_be_visible()
    assert_accessible(bureau)
    visit(bureau, f"{live_server.url}/funding/ledger/")
    expect(bureau.locator("table")).to_contain_text("PZ-2026-118")
    visit(bureau, f"{live_server.url}/funding/")
    # Digits grouped as the language groups them (zh: by four; en: by three).
    expect(bureau.locator(".stats")).to_contain_text(re.compile(r"1,?860\.50"))
    bureau.context.close()
    d.refresh_from_db()
    assert d.status == DisbursementStatus.PAID


# --- evaluation pages (begin) ---
def test_on_a_phone_a_scorecard_is_self_assessed_confirmed_inspected_finalised_and_paid(
    browser, live_server, world, active, tmp_path
):
    """At 375 px: the helping school self-assesses with a photo and submits, the assisted
    school confirms, the inspector scores (and replaces computed points, saying why) and
    finishes, the bureau finalises a pass, and the pairing's second tranche is released."""
    from evaluation import services as evaluation
    from evaluation.models import IndicatorScore, Scorecard, ScorecardStatus, Source
    from funding import services as funding_services
    from funding.models import TrancheStatus

    budget = funding_services.budget_create(
        actor=world.bureau, region=world.city, programme=world.programme,
        source="市级财政结对帮扶专项", fiscal_year=2026, amount="900000", purpose="结对帮扶",
    )  # fmt: skip
    allocation = funding_services.allocation_create(
        actor=world.bureau, budget=budget, pairing=active
    )
    funding_services.tranche_release(actor=world.bureau, tranche=allocation.tranches.get(number=1))
    card = evaluation.scorecard_open(pairing=active, year=1, actor=world.bureau)
    scores = IndicatorScore.objects.filter(scorecard=card).select_related("indicator")
    manual = [s for s in scores.order_by("indicator__code") if s.indicator.source == Source.MANUAL]
    automatic = [s for s in scores.order_by("-indicator__max_points", "indicator__code")
                 if s.indicator.source == Source.AUTOMATIC]  # fmt: skip
    detail = f"{live_server.url}/evaluation/scorecards/{card.pk}/"
    evidence = tmp_path / "教研活动.jpg"
    evidence.write_bytes(jpeg("教研活动.jpg").read())

    page = sign_in(browser, live_server, "coord_helping", **PHONE)
    visit(page, f"{live_server.url}/pairings/{active.pk}/evaluation/")
    page.locator(f"a[href='/evaluation/scorecards/{card.pk}/']").first.click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.locator(f"a[href='/evaluation/scorecards/{card.pk}/self-assessment/']").click()
    page.wait_for_load_state()
    assert_accessible(page)
    for score in manual:
        page.fill(f"#id_score_{score.indicator_id}", str(score.indicator.max_points))
        page.fill(f"#id_note_{score.indicator_id}", "按计划完成")
    page.set_input_files(f"#id_evidence_{manual[0].indicator_id}", str(evidence))
    assert fits_the_screen(page)
    page.locator("form.scoring-form button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(f"#indicator-{manual[0].indicator_id} .attachments img")).to_have_count(1)
    assert fits_the_screen(page)
    assert_accessible(page)
    page.locator("form[action$='/submit/'] [type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("h1 .badge-confirming")).to_be_visible()
    assert_accessible(page)
    page.context.close()

    page = sign_in(browser, live_server, "coord_assisted", **PHONE)
    visit(page, detail)
    page.fill("#id_confirm_comment", "材料属实")
    page.locator("form[action$='/confirm/'] [type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("h1 .badge-submitted")).to_be_visible()
    assert fits_the_screen(page)
    assert_accessible(page)
    page.context.close()

    page = sign_in(browser, live_server, "inspector", **PHONE)
    visit(page, f"{live_server.url}/evaluation/inspection/")
    page.locator(f"a[href='/evaluation/scorecards/{card.pk}/']").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.locator(f"a[href='/evaluation/scorecards/{card.pk}/inspection/']").click()
    page.wait_for_load_state()
    assert_accessible(page)
    for score in manual:  # 54 points by hand
        page.fill(f"#id_score_{score.indicator_id}", str(score.indicator.max_points))
    for score in automatic[:3]:  # and the three largest computed ones, checked on site
        page.fill(f"#id_override_{score.indicator_id}", str(score.indicator.max_points))
        page.fill(f"#id_reason_{score.indicator_id}", "现场核查台账")
    assert fits_the_screen(page)
    page.locator("form.scoring-form button[type=submit]").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.locator("form[action$='/finish-inspection/'] [type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("h1 .badge-inspected")).to_be_visible()
    assert_accessible(page)
    page.context.close()

    page = sign_in(browser, live_server, "bureau2", **PHONE)
    visit(page, f"{live_server.url}/evaluation/finalisation/")
    page.locator(f"a[href='/evaluation/scorecards/{card.pk}/']").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("form[action$='/finalise/'] [type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("h1 .badge-finalised")).to_be_visible()
    assert fits_the_screen(page)
    assert_accessible(page)
    card = Scorecard.objects.get(pk=card.pk)
    assert card.status == ScorecardStatus.FINALISED and card.passed and card.total >= 75
    visit(page, f"{live_server.url}/pairings/{active.pk}/funding/")
    second = page.locator("tbody tr", has=page.locator("td:first-child", has_text="2"))
    expect(second.first.locator(".badge-released")).to_be_visible()
    assert fits_the_screen(page)
    page.context.close()
    assert allocation.tranches.get(number=2).status == TrancheStatus.RELEASED


# --- evaluation pages (end) ---


def test_an_inspector_opens_the_archive_and_downloads_a_pairings_yearly_pdf(
    browser, live_server, world, active
):
    """The third year is finalised by the bureau (its PDF built on commit); the inspector
    finds it through the menu, opens its page and downloads it."""
    from pypdf import PdfReader

    from evaluation.models import Document

    _scorecards(world, active)
    document = Document.objects.get(pairing=active)
    page = sign_in(browser, live_server, "inspector")
    page.get_by_role("navigation").get_by_role("link", name="报告档案").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.get_by_label("类型").select_option("pairing_evaluation")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.get_by_role("link", name=document.title).click()
    page.wait_for_load_state()
    assert_accessible(page)
    with page.expect_download() as info:
        page.get_by_role("link", name="下载 PDF").click()
    data = Path(info.value.path()).read_bytes()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "江城实验小学" in text and "西山山村小学" in text
    page.context.close()


def test_on_a_phone_a_coordinator_sends_a_kind_to_email_only_and_the_next_one_follows(
    browser, live_server, world, settings
):
    """The coordinator opens the bell's page, goes to 'what reaches me', takes the
    exchanges not logged out of the app (email only), saves, registers the school's
    group robot; the next such reminder is emailed and not listed in the app."""
    from django.core import mail

    from twinning.notify.services import notify

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    page = sign_in(browser, live_server, "coord_helping", **PHONE)
    page.locator(".nav-bell").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.get_by_role("link", name="接收设置").click()
    page.wait_for_load_state()
    assert_accessible(page)
    assert fits_the_screen(page)
    in_app = page.locator("#activity-not-logged-in_app")
    expect(in_app).to_be_checked()
    in_app.uncheck()
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert_accessible(page)
    expect(page.locator(".message-success")).to_contain_text("已保存")
    expect(page.locator("#activity-not-logged-in_app")).not_to_be_checked()
    expect(page.locator("#activity-not-logged-email")).to_be_checked()

    notify(kind="activity-not-logged", key="browser", recipients=[world.coord_helping],
           message=lambda user: ("请记录或取消：送教下乡", ""), url="/activities/")  # fmt: skip
    visit(page, f"{live_server.url}/notifications/")
    expect(page.locator(".notification-list")).to_have_count(0)
    assert [m.subject for m in mail.outbox] == ["请记录或取消：送教下乡"]

    # The school's group robot: registered on the robots' tab, its key never shown again.
    page.get_by_role("link", name="工作群机器人").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.get_by_role("link", name="添加群机器人").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.fill("input[name=name]", "实验小学结对工作群")
    page.check("input[name=platform][value=wecom]")
    page.fill(
        "input[name=webhook]",
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa",
    )
    page.get_by_role("button", name="登记机器人").click()
    page.wait_for_load_state()
    assert_accessible(page)
    expect(page.locator("h1")).to_contain_text("实验小学结对工作群")
    assert "0ec2sifa5aaa" not in page.content()


def test_on_a_phone_the_month_is_an_agenda_and_the_feed_page_copies_the_address(
    browser, live_server, world, active
):
    """At 375 px the month lists its busy days (the grid, seven columns of cut titles,
    is hidden); at desktop width the grid is back. The feed page's copy button shows."""
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time(14)))
    title = "送教下乡：三年级语文示范课与评课研讨"
    activity, _ = activity_services.activity_schedule(
        actor=world.coord_helping, pairing=active, kind=ActivityKind.objects.get(code="visit"),
        title=title, host_school=world.assisted, place="多媒体教室", starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
    )  # fmt: skip
    page = sign_in(browser, live_server, "coord_helping", **PHONE)
    visit(page, f"{live_server.url}/calendar/")
    agenda = page.locator(".calendar-agenda")
    expect(agenda).to_be_visible()
    expect(page.locator("table.calendar-month")).to_be_hidden()
    expect(agenda.get_by_role("heading", level=2)).to_have_count(1)
    link = agenda.locator(f"a[href='/activities/{activity.pk}/']")
    expect(link).to_contain_text(title)
    # Wholly on the screen: neither cut off nor wider than it.
    box = link.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    assert link.evaluate("a => a.scrollWidth <= a.clientWidth + 1")
    assert fits_the_screen(page)

    page.set_viewport_size(DESKTOP["viewport"])
    expect(page.locator("table.calendar-month")).to_be_visible()
    expect(agenda).to_be_hidden()
    page.set_viewport_size(PHONE["viewport"])

    visit(page, f"{live_server.url}/calendar/feed/")
    expect(page.locator("button[data-copy]")).to_have_count(0)
    page.locator("form[action$='/calendar/feed/make/'] [type=submit]").click()
    page.wait_for_load_state()
    assert_accessible(page)
    copy = page.locator("button[data-copy]")
    expect(copy).to_be_visible()
    expect(page.locator("svg.feed-qr")).to_be_visible()
    assert fits_the_screen(page)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    copy.click()
    expect(page.locator("#feed-url-copied")).not_to_be_empty()
    assert page.evaluate("navigator.clipboard.readText()").endswith(".ics")
    page.context.close()
