"""Counting a long list for its pages without counting a province every time.

A page needs the list's length for its page count and its "next" link. Counting a
province's million mentorship records costs some fifty milliseconds however good the
index; counting up to ten thousand costs a few. So a list is counted exactly up to
``EXACT_COUNT_UP_TO`` rows (a count that stops there) and, when it is longer, its full
count is kept ``COMPLIANCE_CACHE_SECONDS`` under the user's scope and the request's
filters, like the other roll-ups (``progress.kept``): a list of more than ten thousand
rows may say a count up to that old, while the rows on each page are always read afresh.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

from . import progress

EXACT_COUNT_UP_TO = 10_000
# Query parameters that choose a page of the list, not the list.
PAGE_PARAMETERS = frozenset({"page", "page_size"})


class CountedPaginator(Paginator):
    """Django's paginator counting as the module says, for the list ``request`` asked for."""

    def __init__(self, object_list, per_page, *, request, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.request = request

    @cached_property
    def count(self) -> int:
        if not isinstance(self.object_list, QuerySet):
            return super().count
        capped = self.object_list.order_by()[: EXACT_COUNT_UP_TO + 1].count()
        if capped <= EXACT_COUNT_UP_TO:
            return capped
        request = self.request
        params = [("path", request.path)] + [
            (name, tuple(values))
            for name, values in request.GET.lists()
            if name not in PAGE_PARAMETERS
        ]
        return progress.kept("list-count", request.user, params, self.object_list.count)[0]


def page_of(request, object_list, per_page: int):
    """The page of ``object_list`` that ``?page=`` asks for, as Django's ``get_page``
    reads it (the last page for a number past it, the first for anything else), the
    list counted as this module says."""
    paginator = CountedPaginator(object_list, per_page, request=request)
    return paginator.get_page(request.GET.get("page"))
