"""Settings of the benchmark server: production settings plus the floor and a query counter.

Only ``bench/run.py`` starts a server with these; production never routes the floor.
"""

from twinning.settings import *  # noqa: F403
from twinning.settings import MIDDLEWARE

ROOT_URLCONF = "bench.urls"
# Outermost, so that it counts every query of the request (sessions, auth, scope …).
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]
