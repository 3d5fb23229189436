"""The pages run under a Content-Security-Policy without 'unsafe-inline' (settings.
CONTENT_SECURITY_POLICY): no template may hold an inline script, an event-handler
attribute, a style attribute or a <style> element. (The PDF templates are WeasyPrint's,
never served as pages; the browser tests catch what Python writes into a page.)"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import RequestFactory

from twinning.middleware import PagesContentSecurityPolicy

ROOT = Path(settings.BASE_DIR)
PAGES = sorted(
    path
    for folder in [ROOT / "templates", *ROOT.glob("*/templates")]
    for path in folder.rglob("*.html")
    if "pdf" not in path.relative_to(folder).parts
)
REFUSED = {
    "an inline script": re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I),
    "an event handler": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),
    "a style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I),
    "a <style> element": re.compile(r"<style\b", re.I),
}


def test_the_pages_templates_are_found():
    assert len(PAGES) > 100


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_holds_what_the_policy_refuses(path):
    text = path.read_text()
    found = {what: pattern.search(text).group(0) for what, pattern in REFUSED.items()
             if pattern.search(text)}  # fmt: skip
    assert not found, f"{path.relative_to(ROOT)} holds {found}"


def test_a_page_is_sent_with_the_policy_and_a_file_without(client, world):
    client.force_login(world.bureau)
    policy = client.get("/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "object-src 'none'" in policy
    # An API answer is not a page (a browser's PDF viewer is likewise left alone).
    assert "Content-Security-Policy" not in client.get("/api/pairings/")


def test_a_chart_is_placed_with_the_requests_nonce():
    request = RequestFactory().get("/")
    middleware = PagesContentSecurityPolicy(lambda r: None)
    middleware.process_request(request)
    svg = '<svg><defs><style type="text/css">#a{fill:red}</style></defs></svg>'
    html = Template("{% load pages %}{% chart svg %}").render(
        Context({"request": request, "svg": svg})
    )
    assert html == svg.replace("<style", f'<style nonce="{request.csp_nonce}"')
    assert Template("{% load pages %}[{% chart svg %}]").render(Context({"svg": ""})) == "[]"
