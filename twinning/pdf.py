"""PDF documents (WeasyPrint): an HTML template rendered to A4, with the CJK fonts the
machine has (fonts-noto-cjk; `make` checks for them) and nothing fetched from anywhere:
styles are in the template, images are inline (data: URIs), any other URL is refused."""

from __future__ import annotations

from django.template.loader import render_to_string


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
