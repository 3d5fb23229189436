"""The kinds of exchange of DESIGN.md §3, as the list starts out; administrators and the
province's bureau keep it on the list of kinds (/activities/kinds/, through
``activities.services.activity_kind_create``/``activity_kind_update``). Secondments
(挂职, 跟岗, 支教) are kept as secondments, not activities."""

from __future__ import annotations

import re

# A kind's code: lowercase letters, digits, "-" and "_" (the API and the targets name a
# kind by it, so it is fixed once made). Also the API schema's pattern.
CODE_PATTERN = r"^[a-z0-9_-]+$"


def is_code(value: str) -> bool:
    # fullmatch: the pattern's "$" would let a final line break through.
    return re.fullmatch(CODE_PATTERN, value) is not None


DEFAULT_KINDS = [
    ("visit", "互访", "Visit"),
    ("lesson_delivery", "送教/示范课", "Lesson delivery"),
    ("joint_lesson_study", "同课异构", "Joint lesson study"),
    ("joint_preparation", "集体备课", "Joint lesson preparation"),
    ("lecture", "专题讲座", "Lecture"),
    ("joint_research_day", "联合教研", "Joint research day"),
    ("research_project", "课题研究", "Research project"),
    ("joint_exam", "教学质量联测", "Joint exam"),
    ("experience_exchange", "经验交流会", "Experience-exchange meeting"),
    ("management_report", "校长汇报", "Principal's report"),
    ("student_exchange", "手拉手", "Student exchange"),
    ("culture_sports", "文体活动", "Culture or sports event"),
    ("synchronous_class", "同步课堂", "Online synchronous class"),
]


def install_default_kinds(model=None) -> None:
    """Add the default kinds that are missing (by code), leaving edited ones alone; the
    migration passes its historical model, the demo and the tests the real one."""
    if model is None:
        from .models import ActivityKind as model
    for order, (code, zh, en) in enumerate(DEFAULT_KINDS, start=1):
        model.objects.get_or_create(
            code=code, defaults={"name_zh": zh, "name_en": en, "order": order * 10}
        )
