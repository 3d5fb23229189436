"""The floor: the least a page of 25 pairings can cost on this stack.

A bare view with one query and a minimal template (and its JSON twin), served by
the same gunicorn, middleware and database as the real pages. Every measured page
is reported as a ratio to it, so that the figures mean the same on any machine.
"""

from django.http import HttpResponse, JsonResponse
from django.template import engines

from schools.models import Pairing

_TEMPLATE = engines["django"].from_string(
    '<!DOCTYPE html><html lang="zh-hans"><head><meta charset="utf-8"><title>floor</title>'
    "</head><body><table>{% for row in rows %}<tr><td>{{ row.0 }}</td><td>{{ row.1 }}</td>"
    "<td>{{ row.2 }}</td><td>{{ row.3 }}</td><td>{{ row.4|date:'Y-m-d' }}</td></tr>"
    "{% endfor %}</table></body></html>"
)


def _rows():
    return list(
        Pairing.objects.order_by("-created_at", "-id").values_list(
            "helping_school__name", "status", "programme__name", "region__name", "created_at"
        )[:25]
    )


def floor_page(request):
    return HttpResponse(_TEMPLATE.render({"rows": _rows()}))


def floor_json(request):
    keys = ("helping_school", "status", "programme", "region", "created_at")
    return JsonResponse({"results": [dict(zip(keys, row, strict=True)) for row in _rows()]})
