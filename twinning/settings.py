"""Settings, all from environment variables with safe development defaults.

Production (``DJANGO_ENV=production``) refuses to start with DEBUG on, the
development secret key or no ALLOWED_HOSTS.
"""

import os
from decimal import Decimal
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp import constants as csp
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TWINNING_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


ENVIRONMENT = os.environ.get("DJANGO_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"
DEV_SECRET_KEY = "dev-insecure-twinning-secret-key-change-me"

SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
DEBUG = env_bool("DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver"
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

if PRODUCTION:
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off in production (DJANGO_ENV=production).")
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("Set SECRET_KEY to a random string of 50 or more characters.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Set ALLOWED_HOSTS in production.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "csp",
    "import_export",
    "twinning",
    "schools",
    "teachers",
    "activities",
    "funding",
    "evaluation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "twinning.middleware.PagesContentSecurityPolicy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "twinning.middleware.ScopeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "twinning.api.JsonErrorsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # AxesMiddleware should be last: it turns a lockout into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "twinning.urls"
WSGI_APPLICATION = "twinning.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "twinning.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite by default, anything dj-database-url understands via DATABASE_URL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, beat) share the file in the embedded default.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "twinning.User"

REDIS_URL = os.environ.get("REDIS_URL", "")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "twinning"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The progress of long imports, told by a Celery worker to the pages that show it: a
# cache every process shares (Redis, or files on this machine without it).
CACHES["progress"] = (
    {**CACHES["default"], "KEY_PREFIX": CACHES["default"].get("KEY_PREFIX", "") + "-progress"}
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache-progress"),
    }
)
# A file of more rows than this is checked and imported by a worker, with a progress bar.
IMPORT_BACKGROUND_ROWS = int(os.environ.get("IMPORT_BACKGROUND_ROWS", "500"))

# Sessions are read from the cache and written through to the database, when the cache
# is one every process shares (Redis) or there is one process (the development server):
# a per-process cache in several production workers would keep a logged-out session.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL or not PRODUCTION
    else "django.contrib.sessions.backends.db"
)
# How long a user's resolved scope (their regions and schools) is kept in the cache
# between requests; changes invalidate it at once (twinning/access.py). Only with a
# cache that every process shares: a per-process cache could not be invalidated.
SCOPE_CACHE_SECONDS = int(os.environ.get("SCOPE_CACHE_SECONDS", "300" if REDIS_URL else "0"))
# How often each process asks the shared cache whether the working-day exceptions
# changed (twinning/calendar.py); a change shows everywhere within this many seconds.
CALENDAR_REFRESH_SECONDS = float(os.environ.get("CALENDAR_REFRESH_SECONDS", "5"))

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: lock a username+address pair after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
MAX_ATTACHMENT_BYTES = int(os.environ.get("MAX_ATTACHMENT_BYTES", str(20 * 1024 * 1024)))
# A pairing's shared library holds recorded lessons too: a larger limit for it.
MAX_RESOURCE_BYTES = int(os.environ.get("MAX_RESOURCE_BYTES", str(150 * 1024 * 1024)))

# Email: console in development, SMTP when EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = os.environ.get(
        "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
    )
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "结对帮扶平台 <noreply@localhost>")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Celery: Redis when REDIS_URL is set, otherwise an embedded file-system broker so
# that a worker and beat run with no server installed.
CELERY_BROKER_DIR = VAR_DIR / "celery-broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR),
        "data_folder_out": str(CELERY_BROKER_DIR),
        "control_folder": str(VAR_DIR / "celery-control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a task interrupted by a worker restart is redelivered
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# When each reminder of the catalogue runs (twinning/notify/reminders.py; the README lists
# them). Times are Asia/Shanghai (CELERY_TIMEZONE); a check says when a reminder of the
# catalogue has no time here or a time here names no reminder.
REMINDER_SCHEDULES: dict = {
    # 16:00, the afternoon before: time to prepare, still within the school day.
    "activity-tomorrow": crontab(minute=0, hour=16),
    "activity-not-logged": crontab(minute=30, hour=8),
    # Monday 08:00: the start of the school week.
    "mentorship-behind": crontab(minute=0, hour=8, day_of_week="mon"),
    # Working days, as the office opens: approvals wait on the bureau, and the plan, the
    # self-assessment and a secondment's days on the schools, neither of which works
    # weekends (a proposal or request crossing its mark on Saturday is told on Monday).
    "proposal-waiting": crontab(minute=30, hour=8, day_of_week="mon-fri"),
    "proposal-escalated": crontab(minute=0, hour=9, day_of_week="mon-fri"),
    "disbursement-waiting": crontab(minute=30, hour=8, day_of_week="mon-fri"),
    "milestone-overdue": crontab(minute=0, hour=8, day_of_week="mon-fri"),
    "self-assessment-due": crontab(minute=0, hour=8, day_of_week="mon-fri"),
    "secondment-unconfirmed": crontab(minute=15, hour=8, day_of_week="mon-fri"),
    # Every day at 09:00: a notice may end on the Monday after a weekend, and "tomorrow"
    # is then a Sunday's run.
    "aid-notice-ending": crontab(minute=0, hour=9),
    # Monday mornings, once a week until it is done: a tranche overdue, an inspection late.
    "tranche-due": crontab(minute=0, hour=9, day_of_week="mon"),
    "inspection-overdue": crontab(minute=30, hour=9, day_of_week="mon"),
}
CELERY_BEAT_SCHEDULE: dict = {
    **{
        f"reminder:{key}": {
            "task": "twinning.tasks.run_reminder",
            "args": (key,),
            "schedule": schedule,
        }
        for key, schedule in REMINDER_SCHEDULES.items()
    },  # fmt: skip
    "robots": {
        "task": "twinning.tasks.flush_due_robots",
        # Every minute: work-chat messages whose retry is due or that waited for the rate
        # limit's next minute.
        "schedule": crontab(),
    },
    "digests": {
        "task": "twinning.tasks.send_digests",
        # 17:30, when the school day ends: the day's notifications in one email.
        "schedule": crontab(minute=30, hour=17),
    },
    "scorecards": {
        "task": "evaluation.tasks.open_and_refresh_scorecards",
        # 02:00: each pairing year's scorecard opens on its day, and the open ones'
        # automatic indicators are computed afresh for the queues and the rankings.
        "schedule": crontab(minute=0, hour=2),
    },
    "documents-due": {
        "task": "evaluation.tasks.build_due_documents",
        # 06:30 on working days: the monthly steering sheet, the quarterly summary and the
        # half-yearly circular of the period just over, ready when the bureau starts.
        "schedule": crontab(minute=30, hour=6),
    },
    "stuck-documents": {
        "task": "evaluation.tasks.requeue_stuck_documents",
        # Every ten minutes: a build lost with its worker is requeued soon after the
        # DOCUMENT_BUILD_STUCK_MINUTES it is given.
        "schedule": crontab(minute="*/10"),
    },
}
# Work-chat robots (twinning/notify/chat.py): the platforms' webhook addresses (a robot's
# address must start with one), their limits, and when a failing robot is paused.
WECOM_WEBHOOK_URL = os.environ.get(
    "WECOM_WEBHOOK_URL", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
)
DINGTALK_WEBHOOK_URL = os.environ.get(
    "DINGTALK_WEBHOOK_URL", "https://oapi.dingtalk.com/robot/send"
)
CHAT_TIMEOUT_SECONDS = float(os.environ.get("CHAT_TIMEOUT_SECONDS", "5"))
CHAT_RATE_PER_MINUTE = 20  # both platforms' limit per robot
CHAT_MESSAGE_BYTES = 2048  # 企业微信's limit of a text message (钉钉's is larger)
CHAT_RETRY_SECONDS = int(os.environ.get("CHAT_RETRY_SECONDS", "30"))  # doubled each attempt
ROBOT_PAUSE_AFTER_FAILURES = int(os.environ.get("ROBOT_PAUSE_AFTER_FAILURES", "5"))
EMAIL_MAX_ATTEMPTS = int(os.environ.get("EMAIL_MAX_ATTEMPTS", "6"))

# A document being built (or queued) for longer than this is taken for lost and requeued;
# well beyond the build task's time limit (six minutes).
DOCUMENT_BUILD_STUCK_MINUTES = int(os.environ.get("DOCUMENT_BUILD_STUCK_MINUTES", "20"))

REST_FRAMEWORK = {
    # Token first: a request without credentials is told how to authenticate
    # (401 with WWW-Authenticate: Token); the session still works for the browser.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON bodies only: a form cannot say null, so a nullable field sent as a form is
    # ambiguous. (The token endpoint also takes a form, for curl.)
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "twinning.api.Pagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "twinning.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "60/min"),
        "user": os.environ.get("API_THROTTLE_USER", "1200/min"),
        "token": os.environ.get("API_THROTTLE_TOKEN", "10/min"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "结对帮扶管理平台 API",
    "DESCRIPTION": "School twinning programme platform. Every endpoint obeys the same scoping "
    "rules as the web pages: objects outside your scope answer 404.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set where two apps use the same field name.
    "ENUM_NAME_OVERRIDES": {
        "MentorshipStatusEnum": "teachers.models.MentorshipStatus",
        "PairingStatusEnum": "schools.models.PairingStatus",
        "RecordKindEnum": "teachers.models.RecordKind",
        "HonourKindEnum": "teachers.models.Honour.Kind",
        "FilerEnum": "teachers.models.Filer",
        "ComplianceStatusEnum": "teachers.compliance.STATUS_CHOICES",
        "ActivityStatusEnum": "activities.models.ActivityStatus",
        "SecondmentKindEnum": "activities.models.SecondmentKind",
        # A programme's rules: a target counts per term or year, an obligation per week,
        # month or term.
        "TargetPeriodEnum": "activities.models.TargetPeriod",
        "ObligationPeriodEnum": "teachers.models.Period",
        "DisbursementStatusEnum": "funding.models.DisbursementStatus",
        "TrancheStatusEnum": "funding.models.TrancheStatus",
        "PurposeEnum": "funding.models.Purpose",
        "PayeeKindEnum": "funding.models.PayeeKind",
        # What a disbursement may be requested for, and who paid (not student aid).
        "RequestedPurposeEnum": "funding.api.REQUEST_PURPOSES",
        "RequestedPayeeKindEnum": "funding.api.REQUEST_PAYEES",
        # Student aid (funding/aid_api.py).
        "AidStatusEnum": "funding.models.AidStatus",
        "AidKindEnum": "funding.models.AidKind",
        "AidPeriodEnum": "funding.models.AidPeriod",
        "StudentGenderEnum": "funding.models.Student.Gender",
        "GenderEnum": "teachers.models.Gender",  # a teacher's, as before the students'
        # Two lists share the field name "category": a shared resource's and a donation's.
        "ResourceCategoryEnum": "activities.models.ResourceCategory",
        "DonationCategoryEnum": "funding.models.DonationCategory",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "twinning.api.add_error_responses",
        "twinning.schema.blank_or_text_as_any_of",
    ],
}

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# How long a compliance roll-up (mentorships by school or county) is kept per user and
# query: counting a province's mentorships reads a term of their records.
COMPLIANCE_CACHE_SECONDS = int(os.environ.get("COMPLIANCE_CACHE_SECONDS", "60"))

# How long a proposal may wait before the dashboard flags it as overdue.
APPROVAL_WAITING_WARN_DAYS = int(os.environ.get("APPROVAL_WAITING_WARN_DAYS", "7"))
# How long a proposal or a request for money may wait before its approvers are reminded
# (schools/reminders.py, funding/reminders.py); past APPROVAL_WAITING_WARN_DAYS a proposal
# goes to the heads of the bureau.
APPROVAL_WAITING_REMIND_DAYS = int(os.environ.get("APPROVAL_WAITING_REMIND_DAYS", "3"))

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# The pages' Content-Security-Policy (django-csp, on HTML responses): everything from this
# site only; no inline script, event handler or style attribute anywhere; the one inline
# <style> a page has is a chart's, allowed by the request's nonce (twinning.charts).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF, csp.NONCE],
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    }
}

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]  # probed over plain HTTP inside the network
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusal": {"()": "twinning.logfilters.RefusalWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # Django's own console handler would print each of its records a second time,
        # beside the root's: its records reach the root's only. (This drops Django's
        # mail_admins handler too: give it back here if ADMINS is ever set.)
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.request": {"filters": ["refusal"]},
    },
}

# The meal allowance of a secondment, in yuan per working day served (seed 001: 40 元/天).
MEAL_ALLOWANCE_PER_WORKING_DAY = Decimal(os.environ.get("MEAL_ALLOWANCE_PER_WORKING_DAY", "40.00"))
