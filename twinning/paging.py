"""Counting a long list for its pages without counting a province every time.

A page needs the list's length for its page count and its "next" link. Counting a
province's million mentorship records costs some fifty milliseconds however good the
index; counting up to ten thousand costs a few. So a list is counted exactly up to
``EXACT_COUNT_UP_TO`` rows (a count that stops there) and, when it is longer, its full
count is kept ``COMPLIANCE_CACHE_SECONDS`` under the user's scope and the request's
filters, like the other roll-ups (``progress.kept``).

The kept count only numbers the pages: each page's rows are read afresh, and a page
whose rows depend on where the list ends (the last page by the kept count, a page past
it, or one the list no longer fills) counts the list again first. So no row is ever
cut off or hidden by an old count; only the total shown may be up to that old.
"""

from __future__ import annotations

from django.core.paginator import EmptyPage, Paginator
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
        self.exact = True

    @cached_property
    def count(self) -> int:
        if not isinstance(self.object_list, QuerySet):
            return super().count
        capped = self.object_list.order_by()[: EXACT_COUNT_UP_TO + 1].count()
        if capped <= EXACT_COUNT_UP_TO:
            return capped
        self.exact = False
        return self._kept_count(afresh=False)

    def _kept_count(self, *, afresh: bool) -> int:
        request = self.request
        query = tuple(
            (name, tuple(values))
            for name, values in sorted(request.GET.lists())
            if name not in PAGE_PARAMETERS
        )
        params = [("path", request.path), ("query", query)]
        count = self.object_list.count
        return progress.kept("list-count", request.user, params, count, afresh=afresh)[0]

    def _count_afresh(self) -> None:
        self.__dict__["count"] = self._kept_count(afresh=True)
        self.__dict__.pop("num_pages", None)
        self.exact = True  # counted just now

    def validate_number(self, number):
        try:
            number = super().validate_number(number)
        except EmptyPage:
            if self.exact:
                raise
            self._count_afresh()  # past the kept end: the list may have grown
            return super().validate_number(number)
        if not self.exact and number >= self.num_pages:
            self._count_afresh()  # the last page's rows depend on where the list ends
            number = super().validate_number(number)
        return number

    def page(self, number):
        page = super().page(number)
        if not self.exact and len(page) < self.per_page:
            self._count_afresh()  # a page the list no longer fills: it shrank
            page = super().page(number)
        return page

    def get_page(self, number):
        try:
            return super().get_page(number)
        except EmptyPage:  # the list shrank below the page asked for: its last page
            return self.page(self.num_pages)


def page_of(request, object_list, per_page: int):
    """The page of ``object_list`` that ``?page=`` asks for, as Django's ``get_page``
    reads it (the last page for a number past it, the first for anything else), the
    list counted as this module says."""
    paginator = CountedPaginator(object_list, per_page, request=request)
    return paginator.get_page(request.GET.get("page"))
