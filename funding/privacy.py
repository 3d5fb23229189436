"""What a public notice may show of a student: a masked name (张*明), nothing else that
identifies them or their family."""

from __future__ import annotations


def mask_name(name: str) -> str:
    """The first and last character with the middle masked: 张三丰 → 张*丰, 欧阳娜娜 →
    欧**娜; a two-character name keeps its first: 李四 → 李*;
    a one-character name (rare) is masked whole."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return f"{name[0]}*"
    return f"{name[0]}{'*' * (len(name) - 2)}{name[-1]}"


def log_access(user, action: str, what: str, students) -> int:
    """Record that ``user`` read (``view``, ``api``) or downloaded (``export``) the details
    of ``students`` (instances; their region is kept so that the region's aid officers
    read the log): one row each, one query in all."""
    from .models import StudentAccessLog

    rows = [
        StudentAccessLog(
            user=user, student_id=s.pk, region_id=s.region_id, action=action, what=what[:300]
        )  # fmt: skip
        for s in students
    ]
    StudentAccessLog.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
