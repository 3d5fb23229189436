from csp.middleware import CSPMiddleware
from django.utils.functional import SimpleLazyObject

from .access import resolve_scope


class ScopeMiddleware:
    """Attach ``request.scope``: the user's role scope, resolved at most once per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.scope = SimpleLazyObject(lambda: resolve_scope(request.user))
        return self.get_response(request)


class PagesContentSecurityPolicy(CSPMiddleware):
    """django-csp's policy (settings.CONTENT_SECURITY_POLICY) on the HTML pages: no inline
    script, no inline style but a chart's (by nonce, twinning.charts). Files, JSON and
    PDFs are not pages: a browser's PDF viewer is left alone."""

    def process_response(self, request, response):
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        return super().process_response(request, response)
