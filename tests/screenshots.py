"""Screenshots of each role's main pages at phone and desktop width, for people reviewing
a change: ``make screenshots`` writes them to var/screenshots/<role>-<page>-<width>.png.

Not part of the suite (the file name does not start with ``test_``): it loads the demo
data, signs in as each demo role in Chromium and saves full-page PNGs. Every page it
shoots must also fit its window (:func:`tests.test_browser.assert_fits`) and pass
axe-core; the misfits of all pages are reported together once every screenshot is saved.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from schools.models import Pairing, PairingStatus
from tests.test_browser import (  # noqa: F401 (browser is a fixture)
    MISFITS,
    PHONE,
    WIDE,
    browser,
    sign_in,
    visit,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUT = Path(settings.BASE_DIR) / "var" / "screenshots"
PASSWORD = "pass-12345"  # the one tests.test_browser.sign_in types
SIZES = {375: PHONE, 1366: WIDE}


def main_pages(pairing: int) -> dict[str, dict[str, str]]:
    """Each demo role's login and main pages: its home, the pairings, the demo's active
    pairing, the calendar and a list with a table."""
    return {
        "bureau": {
            "login": "bureau",
            "home": "/dashboard/",
            "pairings": "/pairings/",
            "pairing": f"/pairings/{pairing}/",
            "calendar": "/calendar/",
            "funding": "/funding/",
            "ledger": "/funding/ledger/",
            "budgets": "/funding/budgets/",
            "compliance": "/mentorships/compliance/",
        },
        "coordinator": {
            "login": "coordinator",
            "home": "/my-school/",
            "pairings": "/pairings/",
            "pairing": f"/pairings/{pairing}/",
            "calendar": "/calendar/",
            "disbursements": "/funding/disbursements/",
            "pairing-funding": f"/pairings/{pairing}/funding/",
            "mentorships": f"/pairings/{pairing}/mentorships/",
        },
        "teacher": {
            "login": "teacher",
            "home": "/",
            "pairings": "/pairings/",
            "pairing": f"/pairings/{pairing}/",
            "calendar": "/calendar/",
            "exchanges": f"/pairings/{pairing}/exchanges/",
        },
        "inspector": {
            "login": "inspector",
            "home": "/dashboard/",
            "pairings": "/pairings/",
            "pairing": f"/pairings/{pairing}/",
            "calendar": "/calendar/",
            "rankings": "/evaluation/rankings/",
            "compliance": "/mentorships/compliance/",
        },
    }


def test_screenshots_of_each_role(browser, live_server):  # noqa: F811
    call_command("seed_demo", "--password", PASSWORD, "--quiet", verbosity=0)
    pairing = Pairing.objects.filter(
        status=PairingStatus.ACTIVE, helping_school__name="江城市青山区实验小学"
    ).first()
    OUT.mkdir(parents=True, exist_ok=True)
    misfits = []
    for role, pages in main_pages(pairing.pk).items():
        login = pages.pop("login")
        for width, options in SIZES.items():
            page = sign_in(browser, live_server, login, **options)
            for name, path in pages.items():
                visit(page, f"{live_server.url}{path}")
                page.screenshot(path=OUT / f"{role}-{name}-{width}.png", full_page=True)
                misfits += [
                    f"{role} {path} at {width} px: {p}" for p in page.evaluate(MISFITS, width > 375)
                ]
            page.context.close()
    print(f"\nScreenshots: {OUT}")
    assert not misfits, f"Screenshots in {OUT}, but these pages do not fit:\n" + "\n".join(
        dict.fromkeys(misfits)
    )
