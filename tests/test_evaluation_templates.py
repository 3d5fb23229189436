"""The scorecard template pages: the bureau copies the default into its programme, shapes
the draft (areas, indicators, thresholds), is refused publication while the indicators do
not total the maximum, publishes, and makes the next version; everyone else reads or
finds nothing (DESIGN.md §2, §3 evaluation/)."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from evaluation import services
from evaluation.models import Area, Indicator, Source, Template
from evaluation.template_forms import IndicatorForm, parse_steps

from .factories import ProgrammeFactory


@pytest.fixture
def default(world):
    return Template.objects.get(programme__isnull=True)


@pytest.fixture
def draft(world, default):
    """The world's programme's first version: a draft copy of the default."""
    return services.template_copy(actor=world.bureau, source=default, programme=world.programme)


def page(client, name, *args, **query):
    response = client.get(reverse(name, args=args), query)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def indicator_payload(indicator: Indicator, **changes) -> dict:
    data = {k: ("" if v is None else v) for k, v in IndicatorForm.initial_for(indicator).items()}
    return {**data, **changes}


def said(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


# --- the bureau's way through -----------------------------------------


def test_the_bureau_copies_the_default_edits_it_is_refused_publication_then_publishes(
    client, world, default
):
    client.force_login(world.bureau)
    listed = page(client, "evaluation:template_list")
    assert default.name in listed
    # The list links to the version's page, where the copy form is.
    copy_here = reverse("evaluation:template_detail", args=[default.pk]) + "#new-version"
    assert copy_here in listed
    assert reverse("evaluation:template_copy", args=[default.pk]) in page(
        client, "evaluation:template_detail", default.pk
    )

    response = client.post(
        reverse("evaluation:template_copy", args=[default.pk]),
        {"programme": world.programme.pk, "name": "江城市考核表"},
    )
    own = Template.objects.get(programme=world.programme)
    assert response.status_code == 302
    assert response.url == reverse("evaluation:template_detail", args=[own.pk])
    assert (own.name, own.version, own.previous, own.is_published) == (
        "江城市考核表", 1, default, False,
    )  # fmt: skip

    detail = page(client, "evaluation:template_detail", own.pk)
    first = own.indicators.get(code="1.1")
    assert reverse("evaluation:indicator_edit", args=[first.pk]) in detail
    assert reverse("evaluation:template_publish", args=[own.pk]) in detail
    assert "data-confirm" in detail
    # What each indicator continues: the default's.
    assert first.continues.code == "1.1"

    response = client.post(
        reverse("evaluation:indicator_edit", args=[first.pk]),
        indicator_payload(first, name="帮扶规划、制度与台账", max_points="6"),
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.name, first.max_points) == ("帮扶规划、制度与台账", Decimal("6.0"))

    # 101 points against a maximum of 100: a clear warning, and publishing is refused
    # with the service's message.
    detail = page(client, "evaluation:template_detail", own.pk)
    assert "message-warning" in detail and "101" in detail
    response = client.post(reverse("evaluation:template_publish", args=[own.pk]))
    assert response.status_code == 302
    assert "101" in said(response) and "100" in said(response)
    own.refresh_from_db()
    assert not own.is_published

    template_fields = {"name": own.name, "max_points": "101", "band_excellent": "90",
                       "band_good": "75", "band_pass": "60", "opens_days_before": "30",
                       "description": ""}  # fmt: skip
    response = client.post(reverse("evaluation:template_edit", args=[own.pk]), template_fields)
    assert response.status_code == 302
    response = client.post(reverse("evaluation:template_publish", args=[own.pk]))
    own.refresh_from_db()
    assert own.is_published and own.max_points == Decimal("101.0")

    # Published: no edit forms, a button for the next version.
    detail = page(client, "evaluation:template_detail", own.pk)
    assert reverse("evaluation:indicator_edit", args=[first.pk]) not in detail
    assert reverse("evaluation:template_publish", args=[own.pk]) not in detail
    assert reverse("evaluation:template_copy", args=[own.pk]) in detail


def test_a_published_version_answers_every_change_with_the_services_message(client, world, draft):
    services.template_publish(actor=world.bureau, template=draft)
    indicator = draft.indicators.get(code="2.1")
    area = indicator.area
    client.force_login(world.bureau)

    response = client.post(
        reverse("evaluation:indicator_edit", args=[indicator.pk]),
        indicator_payload(indicator, name="改过"),
    )
    assert response.status_code == 400
    with translation.override("zh-hans"):
        said = _(
            "This version is published and may be in use: it never changes. "
            "Make a new version to change it."
        )
    assert said in response.content.decode()
    for name, target in [("evaluation:area_remove", area), ("evaluation:indicator_remove",
                                                             indicator),
                         ("evaluation:template_publish", draft),
                         ("evaluation:template_delete", draft)]:  # fmt: skip
        response = client.post(reverse(name, args=[target.pk]))
        assert response.status_code == 302
        assert response.url == reverse("evaluation:template_detail", args=[draft.pk])
    # The edit forms of a published version send the bureau back to its page.
    response = client.get(reverse("evaluation:area_edit", args=[area.pk]))
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.name == "教学常规与教研制度"
    assert Area.objects.filter(pk=area.pk).exists()
    assert Template.objects.filter(pk=draft.pk, published_at__isnull=False).exists()


def test_a_new_version_continues_the_previous_one_and_offers_only_its_items(client, world, draft):
    services.template_publish(actor=world.bureau, template=draft)
    client.force_login(world.bureau)
    response = client.post(
        reverse("evaluation:template_copy", args=[draft.pk]), {"programme": world.programme.pk}
    )
    second = Template.objects.get(programme=world.programme, version=2)
    assert response.url == reverse("evaluation:template_detail", args=[second.pk])
    assert second.previous == draft and second.name == draft.name

    response = client.get(reverse("evaluation:indicator_create", args=[second.pk]))
    continues = response.context["form"].fields["continues"].queryset
    assert set(continues) == set(draft.indicators.all())
    response = client.get(reverse("evaluation:area_create", args=[second.pk]))
    assert set(response.context["form"].fields["continues"].queryset) == set(draft.areas.all())

    # A new area continuing none of the previous version's, and one continuing an area.
    client.post(reverse("evaluation:area_create", args=[second.pk]), {"name": "特色创新",
                                                                       "order": "60"})  # fmt: skip
    new = second.areas.get(name="特色创新")
    assert new.continues is None
    old_area = draft.areas.get(name="学校管理")
    kept = second.areas.get(name="学校管理")
    client.post(reverse("evaluation:area_edit", args=[kept.pk]),
                {"name": "学校管理与制度", "order": "10", "continues": old_area.pk})  # fmt: skip
    kept.refresh_from_db()
    assert (kept.name, kept.lineage) == ("学校管理与制度", old_area.lineage)
    detail = page(client, "evaluation:template_detail", second.pk)
    assert "学校管理" in detail  # what it continues is shown


def test_thresholds_are_typed_one_a_line_and_a_wrong_line_is_named(client, world, draft):
    client.force_login(world.bureau)
    area = draft.areas.get(name="办学条件")
    payload = {
        "area": area.pk, "code": "4.4", "name": "图书捐赠", "criteria": "", "max_points": "4",
        "source": "automatic", "metric": "donations", "rule": "thresholds", "target": "",
        "steps": "1 1\n5000，2.5\n\n20000: 4", "order": "40",
    }  # fmt: skip
    response = client.post(reverse("evaluation:indicator_create", args=[draft.pk]), payload)
    assert response.status_code == 302
    made = draft.indicators.get(code="4.4")
    assert made.steps == [["1", "1"], ["5000", "2.5"], ["20000", "4"]]
    assert made.is_automatic and made.target is None
    detail = page(client, "evaluation:template_detail", draft.pk)
    assert "20000" in detail and "2.5" in detail

    # A line that is not two numbers, and points above the maximum: named, nothing saved.
    bad = client.post(reverse("evaluation:indicator_create", args=[draft.pk]),
                      {**payload, "code": "4.5", "steps": "1 1\n很多 2"})  # fmt: skip
    assert bad.status_code == 400
    assert "steps" in bad.context["form"].errors and "2" in bad.context["form"].errors["steps"][0]
    over = client.post(reverse("evaluation:indicator_create", args=[draft.pk]),
                       {**payload, "code": "4.5", "steps": "1 9"})  # fmt: skip
    assert over.status_code == 400 and "steps" in over.context["form"].errors
    assert not draft.indicators.filter(code="4.5").exists()


def test_parse_steps_reads_the_separators_people_type():
    assert parse_steps("1 2\r\n5000,3.5\n≥20000 5\n") == [["1", "2"], ["5000", "3.5"],
                                                          ["20000", "5"]]  # fmt: skip
    assert parse_steps("") == []


def test_a_share_rule_and_a_manual_indicator_read_as_people_say_them(client, world, draft):
    client.force_login(world.bureau)
    detail = page(client, "evaluation:template_detail", draft.pk)
    with translation.override("zh-hans"):
        # 1.2 secondment days, share of 10 working days; 3.1 a share of 1 (100%).
        assert (
            _("Share of a target: full points at %(target)s")
            % {"target": f"10 {_('working days')}"}
            in detail
        )
        assert _("Share of a target: full points at %(target)s") % {"target": "100%"} in detail
        assert _("Secondment working days") in detail
        assert _("By hand") in detail


def test_areas_and_indicators_are_added_removed_and_the_draft_deleted(client, world, draft):
    client.force_login(world.bureau)
    area = draft.areas.get(name="经费使用")
    response = client.post(reverse("evaluation:area_remove", args=[area.pk]))
    assert response.status_code == 302
    assert not draft.areas.filter(name="经费使用").exists()
    assert not draft.indicators.filter(code__startswith="5.").exists()
    indicator = draft.indicators.get(code="4.3")
    client.post(reverse("evaluation:indicator_remove", args=[indicator.pk]))
    assert not Indicator.objects.filter(pk=indicator.pk).exists()
    # An area without a name is refused at its field.
    response = client.post(reverse("evaluation:area_create", args=[draft.pk]), {"name": " "})
    assert response.status_code == 400 and "name" in response.context["form"].errors
    response = client.post(reverse("evaluation:template_delete", args=[draft.pk]))
    assert response.url == reverse("evaluation:template_list")
    assert not Template.objects.filter(pk=draft.pk).exists()


def test_a_manual_indicator_drops_a_metric_it_was_given(client, world, draft):
    client.force_login(world.bureau)
    indicator = draft.indicators.get(code="1.2")
    response = client.post(
        reverse("evaluation:indicator_edit", args=[indicator.pk]),
        indicator_payload(indicator, source=Source.MANUAL),
    )
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert (indicator.source, indicator.metric, indicator.rule, indicator.target) == (
        "manual", "", "", None,
    )  # fmt: skip


def test_an_automatic_indicator_without_its_target_is_refused_at_the_field(client, world, draft):
    client.force_login(world.bureau)
    indicator = draft.indicators.get(code="1.2")
    response = client.post(
        reverse("evaluation:indicator_edit", args=[indicator.pk]),
        indicator_payload(indicator, target=""),
    )
    assert response.status_code == 400
    assert "target" in response.context["form"].errors
    indicator.refresh_from_db()
    assert indicator.target == Decimal("10")


# --- who reads and who changes -----------------------------------------


def test_an_inspector_reads_every_version_and_changes_none(client, world, draft):
    client.force_login(world.inspector)
    listed = page(client, "evaluation:template_list")
    assert draft.name in listed and world.programme.name in listed
    assert "#new-version" not in listed
    detail = page(client, "evaluation:template_detail", draft.pk)
    assert reverse("evaluation:template_copy", args=[draft.pk]) not in detail
    indicator = draft.indicators.get(code="1.1")
    assert reverse("evaluation:indicator_edit", args=[indicator.pk]) not in detail
    for name, target in [("evaluation:template_edit", draft), ("evaluation:area_create", draft),
                         ("evaluation:indicator_edit", indicator)]:  # fmt: skip
        assert client.get(reverse(name, args=[target.pk])).status_code == 403
    assert client.post(reverse("evaluation:indicator_edit", args=[indicator.pk]),
                       indicator_payload(indicator, name="改")).status_code == 403  # fmt: skip
    assert client.post(reverse("evaluation:template_publish", args=[draft.pk])).status_code == 403
    default = Template.objects.get(programme__isnull=True)
    response = client.post(reverse("evaluation:template_copy", args=[default.pk]),
                           {"programme": world.programme.pk})  # fmt: skip
    assert response.status_code == 403
    assert Template.objects.filter(programme=world.programme).count() == 1
    indicator.refresh_from_db()
    assert indicator.name == "帮扶规划与工作制度"


def test_nobody_changes_the_platform_default(client, world, default):
    client.force_login(world.bureau)
    indicator = default.indicators.get(code="1.1")
    assert client.get(reverse("evaluation:template_edit", args=[default.pk])).status_code == 403
    response = client.post(reverse("evaluation:indicator_edit", args=[indicator.pk]),
                           indicator_payload(indicator, name="改"))  # fmt: skip
    assert response.status_code == 403


def test_the_bureau_copies_only_into_its_own_programmes(client, world, default):
    client.force_login(world.bureau)
    response = client.post(reverse("evaluation:template_copy", args=[default.pk]),
                           {"programme": world.far_programme.pk})  # fmt: skip
    assert response.status_code == 404
    assert not Template.objects.filter(programme=world.far_programme).exists()
    # No programme chosen: said, nothing made.
    response = client.post(reverse("evaluation:template_copy", args=[default.pk]), {})
    assert response.status_code == 302 and said(response)
    assert not Template.objects.filter(programme__isnull=False).exists()
    # A copy needs a published version: a draft is refused with the service's message.
    own = services.template_copy(actor=world.bureau, source=default, programme=world.programme)
    response = client.post(reverse("evaluation:template_copy", args=[own.pk]),
                           {"programme": world.programme.pk})  # fmt: skip
    assert response.status_code == 302 and said(response)
    assert Template.objects.filter(programme=world.programme).count() == 1


@pytest.mark.parametrize("persona", ["coord_helping", "mentor"])
def test_coordinators_and_teachers_find_no_template(client, world, draft, persona):
    client.force_login(getattr(world, persona))
    assert client.get(reverse("evaluation:template_list")).status_code == 404
    assert client.get(reverse("evaluation:template_detail", args=[draft.pk])).status_code == 404


def test_the_outsider_sees_nothing_of_another_city(client, world, draft):
    ProgrammeFactory(name="远方市第二期", region=world.far_city)
    client.force_login(world.outsider)
    listed = page(client, "evaluation:template_list")
    assert draft.name in listed  # the default's name: the copy kept it …
    assert world.programme.name not in listed  # … but not the programme's version
    assert client.get(reverse("evaluation:template_detail", args=[draft.pk])).status_code == 404
    indicator = draft.indicators.first()
    for name, target in [("evaluation:indicator_edit", indicator),
                         ("evaluation:area_edit", indicator.area),
                         ("evaluation:template_publish", draft)]:  # fmt: skip
        assert client.post(reverse(name, args=[target.pk])).status_code == 404
    draft.refresh_from_db()
    assert not draft.is_published


# --- queries -----------------------------------------


def test_the_template_list_runs_a_constant_number_of_queries(
    client, world, default, django_assert_num_queries
):
    for _n in range(3):
        programme = ProgrammeFactory(region=world.city)
        services.template_publish(
            actor=world.bureau,
            template=services.template_copy(actor=world.bureau, source=default,
                                            programme=programme),
        )  # fmt: skip
    client.force_login(world.bureau)
    client.get(reverse("evaluation:template_list"))  # the session is now in the cache
    # 1 user, 2 role assignments, 3 region subtree, 4 paginator count, 5 the page of
    # templates (programme, region, whether a scorecard uses it), 6 whether the bureau
    # keeps a programme (the copy links), 7 unread count.
    with django_assert_num_queries(7):
        # The heading row, the default and the three programmes' versions.
        assert page(client, "evaluation:template_list").count("<tr>") == 1 + 1 + 3
    for _n in range(3):
        services.template_copy(actor=world.bureau, source=default,
                               programme=ProgrammeFactory(region=world.city))  # fmt: skip
    with django_assert_num_queries(7):
        assert page(client, "evaluation:template_list").count("<tr>") == 1 + 1 + 3 + 3
