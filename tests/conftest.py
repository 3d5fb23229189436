"""Personas shared by every test (STYLE.md habit 2).

The world: a city with two counties (东城县 and 西山县) and a second city far away.
A programme of the city pairs 实验小学 (helping, 东城县) with 山村小学 (assisted,
西山县). Personas: bureau staff of the city (``bureau``) and a second one
(``bureau2``), a coordinator of each school of the pair, a mentor and a mentee
(teachers), an inspector of the city, and an outsider: bureau staff, coordinator
and inspector of the other city.
"""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.utils import translation

from activities.kinds import install_default_kinds
from evaluation.defaults import install_default_template
from schools import services
from schools.models import Region
from twinning import calendar
from twinning.models import Role

from .factories import ProgrammeFactory, RegionFactory, SchoolFactory, UserFactory, assign


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    # A request in English leaves its thread in English (LocaleMiddleware activates the
    # request's language and nothing switches it back): each test starts in the default,
    # whatever the test before it asked for.
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _calendar_reads_every_change(settings):
    # Each test starts from an empty cache, so the working-day exceptions' token is new
    # and they are read again; checked on every lookup, not every few seconds.
    settings.CALENDAR_REFRESH_SECONDS = 0


@pytest.fixture(autouse=True)
def _no_scope_cache(settings):
    # Scopes are cached across requests only with a shared cache (Redis under CI);
    # tests count queries per request, so they run without it. test_scope_cache.py
    # turns it on.
    settings.SCOPE_CACHE_SECONDS = 0


@pytest.fixture
def world(db, _fast_passwords):
    city = RegionFactory(name="江城市", code="510100", level=Region.Level.CITY)
    east = RegionFactory(name="东城县", code="510101", parent=city)
    west = RegionFactory(name="西山县", code="510102", parent=city)
    far_city = RegionFactory(name="远方市", code="520100", level=Region.Level.CITY)
    far_county = RegionFactory(name="远方县", code="520101", parent=far_city)

    helping = SchoolFactory(name="江城实验小学", code="3451000001", region=east)
    assisted = SchoolFactory(name="西山山村小学", code="3451000002", region=west, location="rural")
    spare = SchoolFactory(name="东城第二小学", code="3451000003", region=east)
    far_school = SchoolFactory(name="远方小学", code="3452000001", region=far_county)
    programme = ProgrammeFactory(name="江城市城乡学校结对帮扶", region=city)
    far_programme = ProgrammeFactory(name="远方市结对帮扶", region=far_city)

    bureau = assign(UserFactory(username="bureau", full_name="王局"), Role.BUREAU, region=city)
    bureau2 = assign(UserFactory(username="bureau2", full_name="李科"), Role.BUREAU, region=city)
    coord_helping = assign(
        UserFactory(username="coord_helping", full_name="张联络"), Role.COORDINATOR, school=helping
    )
    coord_assisted = assign(
        UserFactory(username="coord_assisted", full_name="刘联络"),
        Role.COORDINATOR,
        school=assisted,
    )
    mentor = assign(
        UserFactory(username="mentor", full_name="陈老师"), Role.TEACHER, school=helping
    )
    mentee = assign(
        UserFactory(username="mentee", full_name="赵老师"), Role.TEACHER, school=assisted
    )
    inspector = assign(
        UserFactory(username="inspector", full_name="孙督导"), Role.INSPECTOR, region=city
    )
    outsider = UserFactory(username="outsider", full_name="外人")
    assign(outsider, Role.BUREAU, region=far_city)
    assign(outsider, Role.COORDINATOR, school=far_school)
    assign(outsider, Role.INSPECTOR, region=far_city)

    # The working-day exceptions are read once per process and token (twinning/calendar.py):
    # read here, so that a test's query counts do not depend on whether it is the first.
    calendar.working_days(dt.date(2026, 1, 1), dt.date(2026, 1, 1))
    # The kinds of activity and the default scorecard template come from data
    # migrations, which a browser test's flush of the database removes for the tests
    # after it.
    install_default_kinds()
    install_default_template()
    return SimpleNamespace(
        city=city, east=east, west=west, far_city=far_city, far_county=far_county,
        helping=helping, assisted=assisted, spare=spare, far_school=far_school,
        programme=programme, far_programme=far_programme,
        bureau=bureau, bureau2=bureau2, coord_helping=coord_helping,
        coord_assisted=coord_assisted, mentor=mentor, mentee=mentee,
        inspector=inspector, outsider=outsider,
    )  # fmt: skip


@pytest.fixture
def draft(world):
    """A draft pairing started by the helping school's coordinator."""
    return services.pairing_create(
        actor=world.coord_helping,
        programme=world.programme,
        helping_school=world.helping,
        assisted_schools=[world.assisted],
    )


@pytest.fixture
def proposed(world, draft, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        return services.pairing_propose(actor=world.coord_helping, pairing=draft)


@pytest.fixture
def active(world, proposed):
    import datetime as dt

    services.pairing_approve(actor=world.bureau, pairing=proposed)
    return services.pairing_activate(
        actor=world.coord_helping, pairing=proposed, agreement_signed_on=dt.date(2026, 9, 1)
    )


@pytest.fixture
def far_pairing(world):
    """A pairing wholly in the other city: nobody of 江城市 may see it."""
    far_a = SchoolFactory(name="远方实验小学", code="3452000002", region=world.far_county)
    return services.pairing_create(
        actor=world.outsider,
        programme=world.far_programme,
        helping_school=far_a,
        assisted_schools=[world.far_school],
    )


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    # Uploaded agreements go to a throw-away folder, never into the checkout.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Hashing cost is not under test; the default hasher makes every persona slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tasks run in-process unless a test starts a real worker (tests/test_celery_worker.py)."""
    from twinning.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


# --- money (tests/test_funding*.py) ---------------------------------------------------------

RECEIPT = b"%PDF-1.4 receipt"


def receipt(name="发票.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, RECEIPT)


def request_money(world, pairing, amount="1200.00", purpose="transport", actor=None, **fields):
    """A submitted request for a transport refund of the helping school, with a receipt."""
    from funding import services as funding_services

    actor = actor or world.coord_helping
    d = funding_services.disbursement_create(
        actor=actor, pairing=pairing, purpose=purpose, payee_kind="school",
        school=world.helping, amount=amount, description="车费", receipts=[receipt()], **fields,
    )  # fmt: skip
    return funding_services.disbursement_submit(actor=actor, disbursement=d)


@pytest.fixture
def budget(world):
    """The city's ring-fenced budget of 1,000,000 yuan for the world's programme."""
    from decimal import Decimal

    from funding import services as funding_services

    return funding_services.budget_create(
        actor=world.bureau, region=world.city, programme=world.programme,
        source="市级财政结对帮扶专项", fiscal_year=2026, amount=Decimal("1000000.00"),
        purpose="城乡学校结对帮扶", ring_fenced=True,
    )  # fmt: skip


@pytest.fixture
def allocation(world, active, budget):
    """The active pairing's 300,000 yuan, in three tranches, none released."""
    from funding import services as funding_services

    return funding_services.allocation_create(actor=world.bureau, budget=budget, pairing=active)


@pytest.fixture
def released(world, allocation):
    """The same with its first tranche (100,000 yuan) released."""
    from funding import services as funding_services

    funding_services.tranche_release(actor=world.bureau, tranche=allocation.tranches.get(number=1))
    return allocation


# --- notifications ------------------------------------------------------------------------


def tell(user, key, title, *, body="", url="", kind="pairing-proposed"):
    """Notify ``user`` once through the one notification service, its emails and chat
    messages sent as after a commit; the notification (the one written before when it
    exists)."""
    from django.test import TestCase

    from twinning.models import Notification
    from twinning.notify.services import notify

    with TestCase.captureOnCommitCallbacks(execute=True):
        notify(kind=kind, key=key, recipients=[user], message=lambda u: (title, body), url=url)
    return Notification.objects.get(recipient=user, kind=kind, key=key)
