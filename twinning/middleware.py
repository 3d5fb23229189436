from django.utils.functional import SimpleLazyObject

from .access import resolve_scope


class ScopeMiddleware:
    """Attach ``request.scope``: the user's role scope, resolved at most once per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.scope = SimpleLazyObject(lambda: resolve_scope(request.user))
        return self.get_response(request)
