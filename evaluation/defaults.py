# ruff: noqa: E501 – the default indicators are text, kept one to a line
"""The platform's default scorecard template: 100 points in the areas of seed 001 篇16
(学校管理, 教育教学, 教师业务素质, 办学条件) plus the use of funds (经费使用). Loaded by a
data migration and published; bureaus copy it for their programme and adapt the copy.

Each indicator: (number, name, what earns the points, maximum, metric or None for a
manual indicator, rule, target or thresholds).
"""

from __future__ import annotations

from decimal import Decimal

NAME = "结对帮扶年度考核验收评分表（默认）"
DESCRIPTION = (
    "依据《学校帮扶活动方案》（篇16）“加强考核验收”：每一个帮扶年度结束前30天内，支援学校会同受援学校"
    "开展自评并报送佐证材料；得分达到或超过75分的视为该帮扶年度验收合格。"
)

AREAS = [
    ("学校管理", [
        ("1.1", "帮扶规划与工作制度", "成立对口帮扶工作小组，专人负责；每学期制订帮扶计划，建立互访和联席会议制度。",
         "5", None, "", None),
        ("1.2", "管理人员互派挂职", "每学年互派管理人员到对口学校挂职，参与决策与管理（全年不少于10个工作日）。",
         "8", "secondment_days", "share", "10"),
        ("1.3", "交流活动达标", "校长专题报告、送教、经验交流会、联合课题等交流活动达到项目要求。",
         "7", "exchange_targets", "share", "1"),
        ("1.4", "发展规划目标达成", "本帮扶年度到期的发展规划目标达到目标值。",
         "5", "plan_goals", "share", "1"),
    ]),
    ("教育教学", [
        ("2.1", "教学常规与教研制度", "帮助受援学校规范教学常规管理，建立健全教学档案和教研制度。",
         "8", None, "", None),
        ("2.2", "课堂教学改革与信息技术应用", "引导更新教育观念、改革教学方法，利用现代教育技术提高教学效率。",
         "7", None, "", None),
        ("2.3", "学生交流与课外活动", "共同开展课外活动、团队活动，组织两校学生学习交流。",
         "5", None, "", None),
        ("2.4", "教育教学质量提升", "受援学校教育教学质量有可比较的提高。",
         "5", None, "", None),
    ]),
    ("教师业务素质", [
        ("3.1", "师徒结对履约", "师徒结对按协议完成指导、听课、教学设计等带教任务。",
         "10", "mentorship_compliance", "share", "1"),
        ("3.2", "带教记录", "每对师徒本帮扶年度提交的带教记录（听课、评课、教学设计、反思等）。",
         "5", "records_filed", "share", "40"),
        ("3.3", "教师培训与骨干培养", "对受援学校教师开展全员培训，培养镇内（片内）学科骨干教师。",
         "6", None, "", None),
        ("3.4", "师德师风建设", "帮助开展师德师风建设，提高教师职业道德素养。",
         "4", None, "", None),
    ]),
    ("办学条件", [
        ("4.1", "捐赠设备与图书", "利用闲置资源或发动社会力量向受援学校捐赠信息技术设备、教学仪器、图书资料。",
         "5", "donations", "thresholds", [["1", "2"], ["5000", "3.5"], ["20000", "5"]]),
        ("4.2", "资源共享与功能室建设", "向受援学校开放教育教学资源，指导实验室、功能室、图书室建设与管理。",
         "5", None, "", None),
        ("4.3", "校园文化建设", "指导规划校园布局，制订校园“文化、绿化、美化”建设方案。",
         "5", None, "", None),
    ]),
    ("经费使用", [
        ("5.1", "经费执行进度", "已拨付工作经费的支出进度。",
         "6", "funds_disbursed", "share", "1"),
        ("5.2", "专款专用与财务管理", "经费由支援学校管理，专款专用，票据齐全，不增加受援学校负担。",
         "4", None, "", None),
    ]),
]  # fmt: skip


def install_default_template(template_model=None, area_model=None, indicator_model=None):
    """Create and publish the default template unless one exists; the migration passes
    its historical models, the tests the real ones (a browser test's flush removes it)."""
    import uuid

    from django.utils import timezone

    if template_model is None:
        from .models import Area as area_model
        from .models import Indicator as indicator_model
        from .models import Template as template_model
    if template_model.objects.filter(programme__isnull=True).exists():
        return
    template = template_model.objects.create(
        name=NAME, description=DESCRIPTION, version=1, max_points=Decimal("100.0"),
        published_at=timezone.now(),
    )  # fmt: skip
    for area_order, (area_name, indicators) in enumerate(AREAS, start=1):
        area = area_model.objects.create(
            template=template, name=area_name, order=area_order * 10, lineage=uuid.uuid4()
        )
        for order, (code, name, criteria, points, metric, rule, target) in enumerate(
            indicators, start=1
        ):
            indicator_model.objects.create(
                template=template, area=area, code=code, name=name, criteria=criteria,
                max_points=Decimal(points), source="automatic" if metric else "manual",
                metric=metric or "", rule=rule,
                target=Decimal(target) if isinstance(target, str) else None,
                steps=target if isinstance(target, list) else [], order=order * 10,
                lineage=uuid.uuid4(),
            )  # fmt: skip
