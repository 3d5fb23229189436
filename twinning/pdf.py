"""PDF documents (WeasyPrint): an HTML template rendered to A4, with the CJK fonts the
machine has (fonts-noto-cjk; `make` checks for them) and nothing fetched from anywhere:
styles are in the template, images are inline (data: URIs), any other URL is refused."""

from __future__ import annotations

import re

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _


def _no_fetching(url: str, *args, **kwargs):
    # A document must not reach out (an intranet, a slow network, a URL a user typed).
    if url.startswith("data:"):
        from weasyprint.urls import default_url_fetcher

        return default_url_fetcher(url, *args, **kwargs)
    raise ValueError(f"PDF documents fetch nothing: {url[:80]}")


def render_pdf(template: str, context: dict) -> bytes:
    """The template (which extends ``pdf/base.html``) as an A4 PDF."""
    from weasyprint import HTML

    html = render_to_string(template, context)
    return HTML(string=html, url_fetcher=_no_fetching, base_url="/").write_pdf()


def css_string(text: str) -> str:
    """``text`` as a CSS string literal, safe inside a ``<style>`` element (whose text
    the HTML parser does not unescape: it is escaped for CSS here, not for HTML)."""
    escaped = (str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ")
               .replace("<", "\\3c "))  # fmt: skip
    return mark_safe(f'"{escaped}"')


def page_counter_css() -> str:
    """The value of a CSS ``content`` property reading "第 N 页 / 共 M 页" ("Page N of M")
    in the active language: the translation's text with the page counters in place of
    its placeholders, so the translators keep the whole phrase."""
    text = _("Page %(page)s of %(pages)s")
    parts = []
    for piece in re.split(r"(%\(pages?\)s)", text):
        if piece == "%(page)s":
            parts.append("counter(page)")
        elif piece == "%(pages)s":
            parts.append("counter(pages)")
        elif piece:
            parts.append(css_string(piece))
    return mark_safe(" ".join(parts))
