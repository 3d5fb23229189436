"""Money reads the same way everywhere and in both languages: a comma every three digits,
two decimals, the unit where the amount stands alone (exports keep the raw number); a
lesson's topic is put in 《》 once."""

from decimal import Decimal

import pytest
from django.utils import translation

from twinning import text


@pytest.mark.parametrize(
    "language, alone, in_ten_thousands",
    [("zh-hans", "1,350,000.00 元", "135.00 万元"), ("en", "1,350,000.00 yuan",
                                                     "135.00 ten thousand yuan")],
)  # fmt: skip
def test_money_has_separators_and_its_unit_in_either_language(language, alone, in_ten_thousands):
    with translation.override(language):
        assert text.amount(Decimal("1350000")) == "1,350,000.00"
        assert text.money(Decimal("1350000")) == alone
        assert text.money(Decimal("1350000"), "10k") == in_ten_thousands
    assert text.amount(None) == "" and text.amount(Decimal("-80.5")) == "-80.50"


def test_the_budget_list_shows_amounts_with_separators(client, world, budget):
    client.force_login(world.bureau)
    for language in ("zh-hans", "en"):
        html = client.get("/funding/budgets/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert "1,000,000.00" in html and "1000000.00" not in html


@pytest.mark.parametrize(
    "typed, shown",
    [("春晓", "《春晓》"), ("《春晓》", "《春晓》"), ("古诗《春晓》朗读", "古诗《春晓》朗读"),
     ("  秋天的雨 ", "《秋天的雨》"), ("", "")],
)  # fmt: skip
def test_a_lesson_topic_is_put_in_title_marks_once(typed, shown):
    assert text.lesson_topic(typed) == shown
