"""School and programme pages: lists, search, CSV export, detail, create and edit.

Every page is tried by the outsider (bureau staff, coordinator and inspector of
another city: 404 and nothing in lists) and by the read-only inspector (403 on any
change, and the change is not made). Assertions check status codes, context, form
errors by field and the Chinese test data, not the English interface text.
"""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from schools.models import Programme, School

from .factories import ProgrammeFactory, SchoolFactory

JIANGCHENG_SCHOOLS = ("江城实验小学", "西山山村小学", "东城第二小学")


def school_data(world, **overrides):
    data = {
        "name": "东城第三小学",
        "code": "3451000099",
        "region": world.east.pk,
        "stage": "primary",
        "location": "urban",
        "enrolment": "900",
        "staff_count": "70",
        "address": "东城县人民路1号",
        "contact_name": "周老师",
        "contact_phone": "028-12345678",
    }
    data.update(overrides)
    return data


def programme_data(world, **overrides):
    data = {
        "name": "江城市教育集团化办学",
        "region": world.city.pk,
        "start_year": "2027",
        "years": "3",
        "pairing_kind": "one_to_one",
        "reach": "cross_county",
        "max_assisted_schools": "1",
        "funding_per_pair": "300000.00",
        "tranche_count": "3",
        "pass_mark": "75",
        "description": "",
        "is_open": "on",
    }
    data.update(overrides)
    return data


def names_in(response, key="schools"):
    return [obj.name for obj in response.context[key]]


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


# --- school list, search, export ------------------------------------------------------


def test_bureau_lists_the_schools_of_its_region(client, world):
    client.force_login(world.bureau)
    response = client.get(reverse("schools:school_list"))
    assert response.status_code == 200
    assert sorted(names_in(response)) == sorted(JIANGCHENG_SCHOOLS)
    assert reverse("schools:school_create") in response.content.decode()


def test_inspector_lists_schools_but_may_not_add_one(client, world):
    client.force_login(world.inspector)
    response = client.get(reverse("schools:school_list"))
    assert sorted(names_in(response)) == sorted(JIANGCHENG_SCHOOLS)
    assert reverse("schools:school_create") not in response.content.decode()


def test_coordinator_lists_their_school_and_its_partners(client, world, active):
    client.force_login(world.coord_helping)
    response = client.get(reverse("schools:school_list"))
    assert sorted(names_in(response)) == sorted(["江城实验小学", "西山山村小学"])


def test_outsider_sees_no_school_of_another_city(client, world):
    client.force_login(world.outsider)
    response = client.get(reverse("schools:school_list"))
    assert names_in(response) == ["远方小学"]
    for query in ({"q": "江城"}, {"q": "3451"}, {"region": world.city.pk}):
        response = client.get(reverse("schools:school_list"), query)
        assert response.status_code == 200
        assert names_in(response) == []
        assert response.context["page_obj"].paginator.count == 0
        html = response.content.decode()
        assert not any(name in html for name in JIANGCHENG_SCHOOLS)
        assert "江城市" not in html  # not even as a region choice


def test_school_search_by_name_or_code(client, world):
    client.force_login(world.bureau)
    url = reverse("schools:school_list")
    assert names_in(client.get(url, {"q": "山村"})) == ["西山山村小学"]
    assert names_in(client.get(url, {"q": "3451000003"})) == ["东城第二小学"]
    assert names_in(client.get(url, {"q": "不存在"})) == []
    assert 'class="empty-state"' in client.get(url, {"q": "不存在"}).content.decode()


def test_school_filters(client, world):
    SchoolFactory(name="东城县中学", region=world.east, stage="junior")
    client.force_login(world.bureau)
    url = reverse("schools:school_list")
    assert sorted(names_in(client.get(url, {"region": world.east.pk}))) == sorted(
        ["江城实验小学", "东城第二小学", "东城县中学"]
    )
    # A city includes its counties.
    assert len(names_in(client.get(url, {"region": world.city.pk}))) == 4
    assert names_in(client.get(url, {"stage": "junior"})) == ["东城县中学"]
    assert names_in(client.get(url, {"location": "rural"})) == ["西山山村小学"]
    assert names_in(client.get(url, {"location": "rural", "region": world.east.pk})) == []


def test_school_list_is_paginated(client, world):
    SchoolFactory.create_batch(30, region=world.west)
    client.force_login(world.bureau)
    response = client.get(reverse("schools:school_list"), {"region": world.west.pk})
    assert len(response.context["schools"]) == 25
    assert response.context["page_obj"].paginator.count == 31
    # The pager keeps the filter.
    assert f"?region={world.west.pk}&amp;page=2" in response.content.decode()
    response = client.get(reverse("schools:school_list"), {"region": world.west.pk, "page": 2})
    assert len(response.context["schools"]) == 6


def test_school_list_runs_a_constant_number_of_queries(client, world, django_assert_num_queries):
    client.force_login(world.bureau)
    url = reverse("schools:school_list") + f"?region={world.city.pk}&q=小学"
    # (The session comes from the cache.) 1 user, 2 role assignments, 3 bureau region
    # subtree, 4 the chosen region (filter), 5 paginator count, 6 the page of schools
    # with their regions, 7 unread count (navigation). The region box loads no choices.
    with django_assert_num_queries(7):
        client.get(url)
    SchoolFactory.create_batch(20, region=world.east)
    with django_assert_num_queries(7):
        response = client.get(url)
    assert len(response.context["schools"]) == 23


def test_school_export_is_scoped_and_filtered(client, world):
    client.force_login(world.bureau)
    response = client.get(reverse("schools:school_export"), {"location": "rural"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    header, *rows = read_csv(response)
    # The columns of the import, so that the file loads again.
    assert header[:4] == ["学校标识码", "学校名称", "行政区划代码", "学段"]
    assert [(row[0], row[1], row[2]) for row in rows] == [("3451000002", "西山山村小学", "510102")]

    rows = read_csv(client.get(reverse("schools:school_export")))[1:]
    assert sorted(row[1] for row in rows) == sorted(JIANGCHENG_SCHOOLS)


def test_school_export_as_excel_imports_again_unchanged(client, world):
    from twinning import imports

    client.force_login(world.bureau)
    content = client.get(reverse("schools:school_export_xlsx")).content
    batch = imports.import_upload(
        actor=world.bureau, kind=imports.KINDS["schools"], filename="s.xlsx", content=content
    )
    assert batch.status == "ready", batch.errors
    assert batch.counts == {"new": 0, "update": 0, "skip": 3, "error": 0}


def test_outsider_export_holds_no_school_of_another_city(client, world):
    client.force_login(world.outsider)
    rows = read_csv(client.get(reverse("schools:school_export")))[1:]
    assert [row[1] for row in rows] == ["远方小学"]
    assert read_csv(client.get(reverse("schools:school_export"), {"q": "江城"}))[1:] == []


def test_export_defuses_spreadsheet_formulas(client, world):
    SchoolFactory(name="=HYPERLINK(1)", region=world.east)
    client.force_login(world.bureau)
    rows = read_csv(client.get(reverse("schools:school_export"), {"q": "HYPERLINK"}))[1:]
    assert rows[0][1] == "'=HYPERLINK(1)"


# --- school detail ------------------------------------------------------------------


def test_school_detail_shows_fields_pairings_and_edit_link_to_bureau(client, world, draft):
    client.force_login(world.bureau)
    response = client.get(reverse("schools:school_detail", args=[world.helping.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "江城实验小学" in html and "3451000001" in html and "东城县" in html
    assert reverse("schools:pairing_detail", args=[draft.pk]) in html
    assert reverse("schools:school_edit", args=[world.helping.pk]) in html


def test_school_detail_has_no_edit_link_for_read_only_roles(client, world, draft):
    for persona in (world.inspector, world.coord_helping):
        client.force_login(persona)
        response = client.get(reverse("schools:school_detail", args=[world.helping.pk]))
        assert response.status_code == 200
        assert reverse("schools:school_edit", args=[world.helping.pk]) not in (
            response.content.decode()
        )


def test_coordinator_sees_partner_school_but_not_others(client, world, active):
    client.force_login(world.coord_helping)
    assert client.get(reverse("schools:school_detail", args=[world.assisted.pk])).status_code == 200
    assert client.get(reverse("schools:school_detail", args=[world.spare.pk])).status_code == 404


def test_outsider_gets_404_on_school_pages_of_another_city(client, world):
    client.force_login(world.outsider)
    for name in ("schools:school_detail", "schools:school_edit"):
        url = reverse(name, args=[world.helping.pk])
        assert client.get(url).status_code == 404
    response = client.post(
        reverse("schools:school_edit", args=[world.helping.pk]), school_data(world, name="改名")
    )
    assert response.status_code == 404
    world.helping.refresh_from_db()
    assert world.helping.name == "江城实验小学"


def test_school_detail_of_a_missing_school_is_404(client, world):
    client.force_login(world.bureau)
    assert client.get(reverse("schools:school_detail", args=[999999])).status_code == 404


# --- school create and edit -----------------------------------------------------------


def test_bureau_adds_a_school(client, world):
    client.force_login(world.bureau)
    response = client.get(reverse("schools:school_create"))
    assert response.status_code == 200
    regions = list(response.context["form"].fields["region"].queryset)
    assert set(regions) == {world.city, world.east, world.west}
    response = client.post(reverse("schools:school_create"), school_data(world))
    school = School.objects.get(code="3451000099")
    assert response.status_code == 302
    assert response.url == reverse("schools:school_detail", args=[school.pk])
    assert school.region == world.east and school.enrolment == 900
    assert school.history.first().history_user == world.bureau


def test_duplicate_school_code_is_shown_on_the_form_and_creates_nothing(client, world):
    client.force_login(world.bureau)
    before = School.objects.count()
    response = client.post(
        reverse("schools:school_create"), school_data(world, code=world.helping.code)
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["code"]
    assert School.objects.count() == before
    assert 'class="field field-invalid field-required"' in response.content.decode()


@pytest.mark.parametrize("code", ["12345", "34510000AB", "345100000012"])
def test_malformed_school_code_is_shown_on_the_form_and_creates_nothing(client, world, code):
    client.force_login(world.bureau)
    before = School.objects.count()
    response = client.post(reverse("schools:school_create"), school_data(world, code=code))
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert School.objects.count() == before


def test_school_cannot_be_added_in_a_region_outside_scope(client, world):
    client.force_login(world.bureau)
    response = client.post(
        reverse("schools:school_create"), school_data(world, region=world.far_county.pk)
    )
    assert response.status_code == 200
    assert "region" in response.context["form"].errors
    assert not School.objects.filter(code="3451000099").exists()


@pytest.mark.parametrize("persona", ["inspector", "coord_helping", "mentor"])
def test_read_only_roles_may_not_add_schools(client, world, persona):
    client.force_login(getattr(world, persona))
    assert client.get(reverse("schools:school_create")).status_code == 403
    response = client.post(reverse("schools:school_create"), school_data(world))
    assert response.status_code == 403
    assert not School.objects.filter(code="3451000099").exists()


def test_bureau_edits_a_school(client, world):
    client.force_login(world.bureau)
    url = reverse("schools:school_edit", args=[world.spare.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["form"]["code"].value() == "3451000003"
    response = client.post(url, school_data(world, name="东城第二实验小学", code="3451000003"))
    assert response.url == reverse("schools:school_detail", args=[world.spare.pk])
    world.spare.refresh_from_db()
    assert world.spare.name == "东城第二实验小学" and world.spare.enrolment == 900


def test_edit_with_a_taken_code_changes_nothing(client, world):
    client.force_login(world.bureau)
    url = reverse("schools:school_edit", args=[world.spare.pk])
    response = client.post(url, school_data(world, name="新名字", code=world.helping.code))
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    # The page still names the school as saved.
    assert response.context["school"].name == "东城第二小学"
    world.spare.refresh_from_db()
    assert world.spare.name == "东城第二小学" and world.spare.code == "3451000003"


@pytest.mark.parametrize("persona", ["inspector", "coord_helping"])
def test_read_only_roles_get_403_on_school_edit(client, world, persona):
    client.force_login(getattr(world, persona))
    url = reverse("schools:school_edit", args=[world.helping.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, school_data(world, name="改名", code="3451000001")).status_code == 403
    world.helping.refresh_from_db()
    assert world.helping.name == "江城实验小学"


def test_county_bureau_may_not_move_a_school_out_of_its_county(client, world):
    from .factories import UserFactory, assign

    county = assign(UserFactory(username="county"), "bureau", region=world.east)
    client.force_login(county)
    response = client.get(reverse("schools:school_edit", args=[world.spare.pk]))
    assert set(response.context["form"].fields["region"].queryset) == {world.east}
    response = client.post(
        reverse("schools:school_edit", args=[world.spare.pk]),
        school_data(world, code="3451000003", region=world.west.pk),
    )
    assert response.status_code == 200
    assert "region" in response.context["form"].errors
    world.spare.refresh_from_db()
    assert world.spare.region == world.east


def test_school_pages_mutate_only_by_post(client, world):
    client.force_login(world.bureau)
    for url in (reverse("schools:school_create"), reverse("schools:school_edit", args=[1])):
        assert client.put(url).status_code == 405


# --- programmes -----------------------------------------------------------------------


def test_programme_list_is_scoped(client, world):
    client.force_login(world.bureau)
    response = client.get(reverse("schools:programme_list"))
    assert response.status_code == 200
    assert names_in(response, "programmes") == ["江城市城乡学校结对帮扶"]
    assert reverse("schools:programme_create") in response.content.decode()

    client.force_login(world.outsider)
    response = client.get(reverse("schools:programme_list"))
    assert names_in(response, "programmes") == ["远方市结对帮扶"]
    for query in ({"q": "江城"}, {"region": world.city.pk}):
        response = client.get(reverse("schools:programme_list"), query)
        assert names_in(response, "programmes") == []
        html = response.content.decode()
        assert "江城市城乡学校结对帮扶" not in html and "江城市</option>" not in html


def test_coordinator_sees_the_programmes_reaching_their_school(client, world):
    client.force_login(world.coord_assisted)
    response = client.get(reverse("schools:programme_list"))
    assert names_in(response, "programmes") == ["江城市城乡学校结对帮扶"]
    assert reverse("schools:programme_create") not in response.content.decode()


def test_programme_search_and_region_filter(client, world):
    ProgrammeFactory(name="东城县城乡共同体", region=world.east)
    client.force_login(world.bureau)
    url = reverse("schools:programme_list")
    assert names_in(client.get(url, {"q": "共同体"}), "programmes") == ["东城县城乡共同体"]
    assert names_in(client.get(url, {"region": world.east.pk}), "programmes") == [
        "东城县城乡共同体"
    ]
    assert len(names_in(client.get(url, {"region": world.city.pk}), "programmes")) == 2


def test_programme_download_is_the_scoped_filtered_list_with_the_pages_columns(client, world):
    ProgrammeFactory(name="东城县城乡共同体", region=world.east, is_open=False, years=2)
    client.force_login(world.bureau)
    response = client.get(reverse("schools:programme_export_xlsx"), {"is_open": "false"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    with translation.override("zh-hans"):
        assert list(header) == [
            _("Name"), _("Region"), _("Years"), _("Pairing kind"), _("Reach"),
            _("Funding per pairing (yuan)"), _("Open for proposals"),
        ]  # fmt: skip
        assert rows == [("东城县城乡共同体", "东城县", "2026–2028", _("One to one"),
                         _("Across counties"), 300000, _("No"))]  # fmt: skip
    rows = read_csv(client.get(reverse("schools:programme_export_csv")))[1:]
    assert sorted(row[0] for row in rows) == ["东城县城乡共同体", "江城市城乡学校结对帮扶"]

    client.force_login(world.outsider)
    rows = read_csv(client.get(reverse("schools:programme_export_csv")))[1:]
    assert [row[0] for row in rows] == ["远方市结对帮扶"]
    assert read_csv(client.get(reverse("schools:programme_export_csv"), {"q": "江城"}))[1:] == []


def test_programme_list_runs_a_constant_number_of_queries(client, world, django_assert_num_queries):
    client.force_login(world.bureau)
    url = reverse("schools:programme_list")
    # (The session comes from the cache.) 1 user, 2 role assignments, 3 bureau region
    # subtree, 4 paginator count, 5 the page of programmes with their regions,
    # 6 unread count (navigation). The region box loads no choices.
    with django_assert_num_queries(6):
        client.get(url)
    for n in range(10):
        ProgrammeFactory(name=f"江城市项目{n}", region=world.west)
    with django_assert_num_queries(6):
        response = client.get(url)
    assert len(response.context["programmes"]) == 11


def test_programme_detail_shows_fields_and_pairings_with_counts(client, world, proposed):
    client.force_login(world.bureau)
    response = client.get(reverse("schools:programme_detail", args=[world.programme.pk]))
    assert response.status_code == 200
    counts = {value: n for value, _label, n in response.context["status_counts"]}
    assert counts["proposed"] == 1 and sum(counts.values()) == 1
    html = response.content.decode()
    assert "江城市城乡学校结对帮扶" in html and "300,000.00 元" in html
    assert reverse("schools:pairing_detail", args=[proposed.pk]) in html
    assert reverse("schools:programme_edit", args=[world.programme.pk]) in html


def test_programme_detail_for_read_only_roles(client, world, proposed):
    for persona in (world.inspector, world.coord_assisted):
        client.force_login(persona)
        response = client.get(reverse("schools:programme_detail", args=[world.programme.pk]))
        assert response.status_code == 200
        assert reverse("schools:programme_edit", args=[world.programme.pk]) not in (
            response.content.decode()
        )


def test_outsider_gets_404_on_programme_pages_of_another_city(client, world):
    client.force_login(world.outsider)
    for name in ("schools:programme_detail", "schools:programme_edit"):
        assert client.get(reverse(name, args=[world.programme.pk])).status_code == 404
    response = client.post(
        reverse("schools:programme_edit", args=[world.programme.pk]),
        programme_data(world, name="改名"),
    )
    assert response.status_code == 404
    world.programme.refresh_from_db()
    assert world.programme.name == "江城市城乡学校结对帮扶"


def test_bureau_creates_a_programme(client, world):
    client.force_login(world.bureau)
    assert client.get(reverse("schools:programme_create")).status_code == 200
    response = client.post(reverse("schools:programme_create"), programme_data(world))
    programme = Programme.objects.get(name="江城市教育集团化办学")
    assert response.url == reverse("schools:programme_detail", args=[programme.pk])
    assert programme.region == world.city
    assert programme.funding_per_pair == Decimal("300000.00") and programme.is_open


def test_programme_rule_of_the_service_is_shown_on_its_field(client, world):
    client.force_login(world.bureau)
    response = client.post(
        reverse("schools:programme_create"),
        programme_data(world, pairing_kind="one_to_many", max_assisted_schools="1"),
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["max_assisted_schools"]
    assert not Programme.objects.filter(name="江城市教育集团化办学").exists()


@pytest.mark.parametrize("persona", ["inspector", "coord_helping"])
def test_read_only_roles_may_not_create_or_edit_programmes(client, world, persona):
    client.force_login(getattr(world, persona))
    assert client.get(reverse("schools:programme_create")).status_code == 403
    response = client.post(reverse("schools:programme_create"), programme_data(world))
    assert response.status_code == 403
    assert not Programme.objects.filter(name="江城市教育集团化办学").exists()

    url = reverse("schools:programme_edit", args=[world.programme.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, programme_data(world, name="改名")).status_code == 403
    world.programme.refresh_from_db()
    assert world.programme.name == "江城市城乡学校结对帮扶"


def test_bureau_edits_a_programme(client, world):
    client.force_login(world.bureau)
    url = reverse("schools:programme_edit", args=[world.programme.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["form"]["name"].value() == "江城市城乡学校结对帮扶"
    data = programme_data(world, name="江城市城乡学校结对帮扶（第一期）", pass_mark="80")
    del data["is_open"]  # an unticked box is not sent
    response = client.post(url, data)
    assert response.url == reverse("schools:programme_detail", args=[world.programme.pk])
    world.programme.refresh_from_db()
    assert world.programme.name == "江城市城乡学校结对帮扶（第一期）"
    assert world.programme.pass_mark == Decimal("80") and not world.programme.is_open


def test_programme_with_pairings_cannot_move_region(client, world, draft):
    client.force_login(world.bureau)
    response = client.post(
        reverse("schools:programme_edit", args=[world.programme.pk]),
        programme_data(world, region=world.east.pk),
    )
    assert response.status_code == 200
    assert "region" in response.context["form"].errors
    world.programme.refresh_from_db()
    assert world.programme.region == world.city


def test_malformed_code_is_flagged_even_when_other_fields_are_missing(client, world):
    client.force_login(world.bureau)
    response = client.post(reverse("schools:school_create"), {"name": "新学校", "code": "123"})
    assert response.status_code == 200
    assert {"code", "region", "stage", "location"} <= set(response.context["form"].errors)
    assert not School.objects.filter(name="新学校").exists()
