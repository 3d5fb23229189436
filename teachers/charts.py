"""Charts of mentorship compliance (twinning.progress draws them: SVG on the server)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from twinning.progress import standing_chart


def compliance_chart(rows: list[dict]) -> str:
    """Mentorships by standing, one stacked bar a row (a school or a county)."""
    return standing_chart(rows, _("Mentorships by standing today"), "compliance")
