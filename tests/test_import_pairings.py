"""Importing pairings (schools/resources.py PairingResource) through the shared import path:
checked first, written all or nothing when confirmed, as drafts through the services,
matched by programme, helping school and the set of assisted schools; and the list's
download, which loads again unchanged."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from schools import selectors, services
from schools.models import Pairing, PairingMember, PairingTransition, Programme
from schools.resources import PAIRING_COLUMNS, PairingResource
from twinning.downloads import table_response
from twinning.imports import import_confirm

from . import spreadsheets
from .factories import ProgrammeFactory, SchoolFactory
from .spreadsheets import csv_bytes as _csv
from .spreadsheets import where as _where
from .spreadsheets import xlsx as _xlsx

HEADER = list(PAIRING_COLUMNS.values())
INDEX = {name: index for index, name in enumerate(PAIRING_COLUMNS)}
ONE_TO_ONE = "江城市城乡学校结对帮扶"
ONE_TO_MANY = "江城市一校带多校"


def _row(**values):
    return [values.get(name, "") for name in PAIRING_COLUMNS]


def _upload(user, content: bytes, name="pairings.xlsx"):
    return spreadsheets.check(user, "pairings", content, name)


def _snapshot():
    return (
        sorted(
            Pairing.objects.values_list(
                "pk", "status", "programme_id", "helping_school_id", "agreement_signed_on",
                "agreement_start", "agreement_end", "goals_summary",
            )
        ),
        sorted(PairingMember.objects.values_list("pairing_id", "school_id", "role")),
        PairingTransition.objects.count(),
    )  # fmt: skip


def _refused(user, rows):
    """Upload ``rows`` as ``user``: the file is refused, and nothing is written even when
    it is confirmed anyway."""
    before = _snapshot()
    batch = _upload(user, _xlsx(rows))
    assert batch.status == "invalid"
    with pytest.raises(ValidationError):
        import_confirm(actor=user, batch=batch)
    assert _snapshot() == before
    return batch


def _members(pairing) -> tuple:
    helping = {m.school.code for m in pairing.members.all() if m.role == "helping"}
    assisted = {m.school.code for m in pairing.members.all() if m.role == "assisted"}
    return helping, assisted


@pytest.fixture(autouse=True)
def _english():
    # Messages are compared as written in the code; the headers are Chinese in every language.
    with translation.override("en"):
        yield


@pytest.fixture
def many(world):
    """A one-to-many programme of the city (up to three assisted schools) and a second
    school in 西山县."""
    programme = ProgrammeFactory(
        name=ONE_TO_MANY, region=world.city, pairing_kind=Programme.PairingKind.ONE_TO_MANY,
        max_assisted_schools=3,
    )  # fmt: skip
    second = SchoolFactory(name="西山第二小学", code="3451000004", region=world.west)
    return programme, second


GOOD = [
    HEADER,
    _row(programme=ONE_TO_ONE, helping_school="3451000001", assisted_schools="3451000002",
         agreement_signed_on="2026/8/25", agreement_start="2026年9月1日",
         agreement_end="2029-08-31", goals_summary="培养市级骨干教师2名\n开发校本课程3门"),
    _row(programme=ONE_TO_MANY, helping_school=3451000003,
         assisted_schools="3451000002、3451000004"),
]  # fmt: skip


# --- a good file -------------------------------------------------------------------------


def test_a_good_file_starts_drafts_only_when_confirmed(world, many):
    batch = _upload(world.bureau, _xlsx(GOOD))
    assert batch.status == "ready", batch.errors
    assert batch.counts == {"new": 2, "update": 0, "skip": 0, "error": 0}
    assert not Pairing.objects.exists()  # the check writes nothing

    import_confirm(actor=world.bureau, batch=batch)
    batch.refresh_from_db()
    assert batch.status == "imported"
    first = Pairing.objects.get(programme=world.programme)
    assert (first.status, first.created_by, first.region) == ("draft", world.bureau, world.city)
    assert _members(first) == ({"3451000001"}, {"3451000002"})
    assert (first.agreement_signed_on, first.agreement_start, first.agreement_end) == (
        dt.date(2026, 8, 25), dt.date(2026, 9, 1), dt.date(2029, 8, 31),
    )  # fmt: skip
    assert first.goals_summary == "培养市级骨干教师2名\n开发校本课程3门"
    second = Pairing.objects.get(programme=many[0])
    assert _members(second) == ({"3451000003"}, {"3451000002", "3451000004"})
    assert PairingTransition.objects.filter(to_status="draft").count() == 2


def test_the_same_file_again_changes_nothing(world, many):
    import_confirm(actor=world.bureau, batch=_upload(world.bureau, _xlsx(GOOD)))
    before, history = _snapshot(), Pairing.history.count()
    # The assisted schools in another order, with other separators, are the same set.
    again = [GOOD[0], GOOD[1], list(GOOD[2])]
    again[2][INDEX["assisted_schools"]] = "3451000004，3451000002"
    batch = _upload(world.bureau, _xlsx(again))
    assert batch.status == "ready", batch.errors
    assert batch.counts == {"new": 0, "update": 0, "skip": 2, "error": 0}
    import_confirm(actor=world.bureau, batch=batch)
    assert _snapshot() == before and Pairing.history.count() == history


def test_a_coordinator_imports_a_pairing_of_their_own_school(world):
    rows = [HEADER, _row(programme=ONE_TO_ONE, helping_school="3451000001",
                         assisted_schools="3451000002")]  # fmt: skip
    batch = _upload(world.coord_helping, _xlsx(rows))
    assert batch.status == "ready", batch.errors
    import_confirm(actor=world.coord_helping, batch=batch)
    assert Pairing.objects.get().created_by == world.coord_helping


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_changes_nothing(world, active, many, fmt):
    # An active pairing and a draft: both rows come back unchanged and are skipped.
    services.pairing_create(
        actor=world.bureau, programme=many[0], helping_school=world.spare,
        assisted_schools=[world.assisted, many[1]], goals_summary="共同教研\n“送教下乡”",
        agreement_start=dt.date(2026, 9, 1),
    )  # fmt: skip
    rows = PairingResource(user=world.bureau).export_rows(
        selectors.pairing_list_visible_to(world.bureau)
    )
    assert rows[0] == HEADER and len(rows) == 3
    response = table_response("pairings", rows[0], rows[1:], fmt)
    content = b"".join(response.streaming_content) if fmt == "csv" else response.content
    before, history = _snapshot(), Pairing.history.count()
    batch = _upload(world.bureau, content, name=f"pairings.{fmt}")
    assert batch.status == "ready", batch.errors
    assert batch.counts == {"new": 0, "update": 0, "skip": 2, "error": 0}
    import_confirm(actor=world.bureau, batch=batch)
    assert _snapshot() == before and Pairing.history.count() == history


def test_the_export_names_schools_programme_and_status_of_visible_pairings(
    world, active, far_pairing
):
    rows = PairingResource(user=world.bureau).export_rows(Pairing.objects.all())
    assert rows[1:] == [
        [ONE_TO_ONE, "3451000001", "江城实验小学", "3451000002", "西山山村小学", "2026-09-01",
         "", "", "", "Active"],
    ]  # fmt: skip
    assert PairingResource().export_rows(Pairing.objects.all()) == [HEADER]


def test_a_row_with_the_key_of_a_draft_updates_it(world, draft):
    rows = [HEADER, _row(programme=ONE_TO_ONE, helping_school="3451000001",
                         assisted_schools="3451000002", agreement_start="2026-09-01",
                         goals_summary="新的目标")]  # fmt: skip
    batch = _upload(world.bureau, _xlsx(rows))
    assert batch.status == "ready", batch.errors
    assert batch.counts == {"new": 0, "update": 1, "skip": 0, "error": 0}
    import_confirm(actor=world.bureau, batch=batch)
    draft.refresh_from_db()
    assert (draft.goals_summary, draft.agreement_start) == ("新的目标", dt.date(2026, 9, 1))
    assert Pairing.objects.count() == 1


def test_a_changed_row_of_a_pairing_past_its_draft_is_an_error(world, active):
    same = _row(programme=ONE_TO_ONE, helping_school="3451000001", assisted_schools="3451000002",
                agreement_signed_on="2026-09-01")  # fmt: skip
    batch = _upload(world.bureau, _xlsx([HEADER, same]))
    assert batch.counts == {"new": 0, "update": 0, "skip": 1, "error": 0}
    changed = list(same)
    changed[INDEX["goals_summary"]] = "改一改"
    changed[INDEX["agreement_start"]] = "2026-09-01"
    batch = _refused(world.bureau, [HEADER, changed])
    assert batch.errors == [
        {"row": 2, "column": "协议开始日期",
         "message": "Only draft pairings can be changed by import; this pairing is Active."},
        {"row": 2, "column": "帮扶目标",
         "message": "Only draft pairings can be changed by import; this pairing is Active."},
    ]  # fmt: skip


# --- errors: by row and column, and nothing written -------------------------------------------


def test_a_pairing_twice_in_the_file_is_an_error_naming_the_first_row(world, many):
    # The same programme (by its name and first school year) and the same set of schools.
    twice = list(GOOD[2])
    twice[INDEX["programme"]] = f"{ONE_TO_MANY}（2026）"
    twice[INDEX["assisted_schools"]] = "3451000004 3451000002"
    batch = _refused(world.bureau, [*GOOD, twice])
    assert batch.errors == [
        {"row": 4, "column": "受援学校标识码",
         "message": "This pairing (same programme, helping school and assisted schools) is "
                    "already in row 3 of the file."},
    ]  # fmt: skip


def test_unknown_codes_and_programme_are_errors_of_their_columns(world, many):
    rows = [
        GOOD[0],
        GOOD[1],
        _row(programme=ONE_TO_ONE, helping_school="9999999999", assisted_schools="3451000002"),
        _row(programme=ONE_TO_MANY, helping_school="3451000003",
             assisted_schools="3451000002、8888888888"),
        _row(programme="没有这个项目", helping_school="3451000001", assisted_schools="3451000002"),
    ]  # fmt: skip
    batch = _refused(world.bureau, rows)
    assert batch.errors == [
        {"row": 3, "column": "帮扶学校标识码",
         "message": "No school with this code that you may pair."},
        {"row": 4, "column": "受援学校标识码",
         "message": "No school with the code 8888888888 that you may pair."},
        {"row": 5, "column": "项目名称",
         "message": "No programme with this name that you can see."},
    ]  # fmt: skip


def test_a_school_of_another_region_reads_as_unknown(world):
    # 远方小学 exists, in another city: the bureau is told no more than of a made-up code.
    rows = [HEADER, _row(programme=ONE_TO_ONE, helping_school="3451000001",
                         assisted_schools="3452000001")]  # fmt: skip
    batch = _refused(world.bureau, rows)
    assert batch.errors == [
        {"row": 2, "column": "受援学校标识码",
         "message": "No school with the code 3452000001 that you may pair."},
    ]  # fmt: skip


def test_the_outsider_can_name_nothing_of_another_city(world):
    batch = _refused(world.outsider, GOOD[:2])
    assert _where(batch) == {(2, "项目名称"), (2, "帮扶学校标识码"), (2, "受援学校标识码")}


def test_a_coordinator_pairs_only_their_own_school(world):
    rows = [HEADER, _row(programme=ONE_TO_ONE, helping_school="3451000003",
                         assisted_schools="3451000002")]  # fmt: skip
    batch = _refused(world.coord_helping, rows)
    assert batch.errors == [
        {"row": 2, "column": "帮扶学校标识码",
         "message": "Your own school must be one of the schools of the pairing."},
    ]  # fmt: skip


@pytest.mark.parametrize("persona", ["inspector", "mentor", "mentee"])
def test_roles_that_start_no_pairings_may_not_import(world, persona):
    with pytest.raises(PermissionDenied):
        _upload(getattr(world, persona), _xlsx(GOOD[:2]))
    assert not Pairing.objects.exists()


def test_bad_dates_are_errors_of_their_columns(world):
    rows = [
        HEADER,
        _row(programme=ONE_TO_ONE, helping_school="3451000001", assisted_schools="3451000002",
             agreement_start="2026-02-30"),
        _row(programme=ONE_TO_ONE, helping_school="3451000003", assisted_schools="3451000002",
             agreement_start="2026-09-01", agreement_end="2026-08-31"),
        _row(programme=ONE_TO_ONE, helping_school="3451000001", assisted_schools="3451000003",
             agreement_signed_on="2099-01-01"),
    ]  # fmt: skip
    batch = _refused(world.bureau, rows)
    assert batch.errors == [
        {"row": 2, "column": "协议开始日期",
         "message": "Enter a date such as 2026-09-01, 2026/9/1 or 2026年9月1日."},
        {"row": 3, "column": "协议结束日期",
         "message": "The agreement cannot end before it starts."},
        {"row": 4, "column": "协议签订日期",
         "message": "The signing date cannot be in the future."},
    ]  # fmt: skip


def test_the_programmes_rules_are_errors_of_the_row(world):
    rows = [HEADER, _row(programme=ONE_TO_ONE, helping_school="3451000001",
                         assisted_schools="3451000002 3451000003")]  # fmt: skip
    batch = _refused(world.bureau, rows)
    assert batch.errors == [
        {"row": 2, "column": "受援学校标识码",
         "message": "This programme allows at most 1 assisted school(s) per pairing."},
    ]  # fmt: skip


def test_a_missing_required_column_refuses_the_file(world):
    header = [h for h in HEADER if h != "受援学校标识码"]
    rows = [header, [ONE_TO_ONE, "3451000001"]]
    batch = _refused(world.bureau, rows)
    assert batch.errors == [
        {"row": 1, "column": "受援学校标识码",
         "message": "This column is missing from the header row."},
    ]  # fmt: skip


def test_a_formula_cell_is_refused(world):
    rows = [GOOD[0], list(GOOD[1])]
    rows[1][INDEX["goals_summary"]] = "=1+1"
    batch = _refused(world.bureau, rows)
    assert _where(batch) == {(2, "帮扶目标")}
    assert "formula" in batch.errors[0]["message"]


# --- what offices type -----------------------------------------------------------------------


def test_full_width_digits_in_codes_are_read_as_digits(world):
    rows = [HEADER, _row(programme=ONE_TO_ONE, helping_school="３４５１０００００１",
                         assisted_schools="３４５１０００００２",
                         agreement_start="２０２６年９月１日")]  # fmt: skip
    batch = _upload(world.bureau, _xlsx(rows))
    assert batch.status == "ready", batch.errors
    import_confirm(actor=world.bureau, batch=batch)
    pairing = Pairing.objects.get()
    assert _members(pairing) == ({"3451000001"}, {"3451000002"})
    assert pairing.agreement_start == dt.date(2026, 9, 1)


def test_a_gbk_csv_from_excel_imports(world):
    rows = [["项目名称", "帮扶学校标识码", "受援学校标识码", "帮扶目标"],
            [ONE_TO_ONE, "3451000001", "3451000002", "送教下乡"]]  # fmt: skip
    batch = _upload(world.bureau, _csv(rows, "gbk"), name="pairings.csv")
    assert batch.status == "ready", batch.errors
    import_confirm(actor=world.bureau, batch=batch)
    assert Pairing.objects.get().goals_summary == "送教下乡"


# --- the list page ---------------------------------------------------------------------------


def test_the_pairing_list_offers_the_import_to_those_who_may(client, world):
    try:
        upload = reverse("imports:upload", args=["pairings"])
    except NoReverseMatch:  # the import pages are not there yet
        pytest.skip("no import pages")
    client.force_login(world.bureau)
    assert upload in client.get(reverse("schools:pairing_list")).content.decode()
    client.force_login(world.inspector)
    assert upload not in client.get(reverse("schools:pairing_list")).content.decode()


def test_the_downloads_run_a_constant_number_of_queries(
    client, world, active, many, django_assert_num_queries
):
    client.force_login(world.bureau)

    def download(fmt):
        response = client.get(reverse("schools:pairing_export", kwargs={"fmt": fmt}))
        return b"".join(response.streaming_content) if fmt == "csv" else response.content

    for grown in (False, True):
        if grown:
            services.pairing_create(
                actor=world.bureau, programme=many[0], helping_school=world.spare,
                assisted_schools=[world.assisted, many[1]],
            )  # fmt: skip
        for fmt in ("csv", "xlsx"):
            # 1 session, 2 user, 3 region subtree, 4 the pairings (programme and helping
            # school joined), 5 their members with their schools.
            with django_assert_num_queries(5):
                download(fmt)
