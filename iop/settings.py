"""Harbor settings: every value comes from the environment, read through iop.env.

Production is DEBUG off (the default): it turns on the transport-security settings, and Harbor
refuses to start on a configuration that is unsafe for clients (iop/production.py), naming the
variable to fix. Development and the test suite run with DEBUG=1 (iop/devstack.py sets it).
"""

from __future__ import annotations

import base64
import hashlib
import zoneinfo
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from iop.env import (
    env_bool,
    env_int,
    env_list,
    env_networks,
    env_optional_url,
    env_str,
    env_url,
    redis_url_for_worker,
)
from iop.production import (
    LiveKitValues,
    ProductionValues,
    invalid_fernet_key,
    livekit_refusals,
    recording_keys_parse,
    refusals,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
PRODUCTION = not DEBUG
PUBLIC_BASE_URL = env_url("PUBLIC_BASE_URL", "http://127.0.0.1:8000", schemes=("http", "https"))
PUBLIC_BASE_URL = PUBLIC_BASE_URL.rstrip("/")

_secret = env_str("SECRET_KEY")
if _secret is not None and len(_secret) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long")
SECRET_KEY = _secret or "dev-only-insecure-key-never-use-in-production-" + "x" * 20

_public_host = PUBLIC_BASE_URL.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0]
_local_hosts = [] if PRODUCTION else ["localhost", "127.0.0.1", "testserver"]
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", list(dict.fromkeys([_public_host, *_local_hosts])))
CSRF_TRUSTED_ORIGINS = [PUBLIC_BASE_URL]
# Reverse proxies (addresses or networks) whose X-Forwarded-For / -Proto Harbor believes
# (iop/proxies.py); every other peer is the client itself, whatever headers it sends.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES", [])

TIME_ZONE = env_str("TIME_ZONE", "America/New_York") or "America/New_York"
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(f"TIME_ZONE must be an IANA zone name, got {TIME_ZONE!r}") from None
USE_TZ = True
LANGUAGE_CODE = "en-us"
USE_I18N = True


def _field_keys() -> list[str]:
    keys = env_list("FIELD_ENCRYPTION_KEYS", [])
    if not keys:
        if PRODUCTION:  # refused below, with the other production rules
            return []
        digest = hashlib.sha256(("field-key:" + SECRET_KEY).encode()).digest()
        return [base64.urlsafe_b64encode(digest).decode()]
    bad = invalid_fernet_key(keys)
    if bad is not None:
        raise ImproperlyConfigured(
            f"FIELD_ENCRYPTION_KEYS entry {bad} is not a valid Fernet key "
            "(32 url-safe base64-encoded bytes)"
        )
    return keys


# The first key encrypts; every key decrypts, so keys can be rotated.
FIELD_ENCRYPTION_KEYS = _field_keys()


def _recording_keys() -> list[str]:
    keys = env_list("RECORDING_KEYS", [])
    if not keys:
        if PRODUCTION:  # refused below, with the other production rules
            return []
        digest = hashlib.sha256(("recording-key:" + SECRET_KEY).encode()).digest()
        return ["dev:" + base64.urlsafe_b64encode(digest).decode()]
    try:
        recording_keys_parse(keys)
    except ValueError as error:
        raise ImproperlyConfigured(f"RECORDING_KEYS {error}") from None
    return keys


# Key-encryption keys of recordings (recordings/crypto.py), `id:key` each: the first wraps new
# data keys, every one unwraps, so keys can be rotated (recordings.crypto.data_key_rewrap).
RECORDING_KEYS = _recording_keys()

# The longest an API key may live: keys always expire, and not in the far future.
API_KEY_MAX_DAYS = env_int("API_KEY_MAX_DAYS", 365, minimum=1)

DATABASE_URL = env_url(
    "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/harbor", schemes=("postgres", "postgresql")
)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5
# The web server keeps a pool (iop/asgi.py sets its size, which is also how many request
# threads iop/asgi_handler.py keeps): a request borrows a
# connection and returns it, and a burst waits for one rather than exhausting PostgreSQL's
# max_connections. Workers, beat, commands and tests connect as before (0: no pool).
DATABASE_POOL_SIZE = env_int("DATABASE_POOL_SIZE", 0, minimum=0)
if DATABASE_POOL_SIZE:
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": 1,
        "max_size": DATABASE_POOL_SIZE,
        "timeout": 10,
    }
    # Checked when borrowed: a connection the server closed (a restart) is replaced.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", None)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = redis_url_for_worker(
    env_url("REDIS_URL", "redis://127.0.0.1:6379/0", schemes=("redis", "rediss", "unix")),
    env_str("PYTEST_XDIST_WORKER"),
)
# Short socket timeouts: a Redis outage must never make a page hang (DESIGN invariant 1).
REDIS_SOCKET_TIMEOUT = 0.5

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.forms",  # its widget templates, for FORM_RENDERER below
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "channels",
    "iop.accounts",
    "iop.audit",
    "iop.consents",
    "iop.realtime",
    "iop.api",
    "iop.notify",
    "sessions_app",
    "crisis",
    "support",
    "recordings",
    "messaging",
    "records",
]

MIDDLEWARE = [
    # First: everything after it (SSL redirect, audit, lockout) sees the client's real address.
    "iop.proxies.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "iop.permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "iop.audit.middleware.RequestContextMiddleware",
    "iop.input_guard.NulByteGuardMiddleware",
    # Outside the session and two-factor gates so their early responses are no-store too.
    "iop.accounts.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "iop.accounts.middleware.SessionLifetimeMiddleware",
    "iop.accounts.middleware.StaffTwoFactorMiddleware",
    "iop.accounts.middleware.UserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last: it replays a POST's stored response only once every gate above has let it through.
    "iop.api.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "iop.urls"
CSRF_FAILURE_VIEW = "iop.error_pages.csrf_failure"
WSGI_APPLICATION = "iop.wsgi.application"
ASGI_APPLICATION = "iop.asgi.application"

# Widgets render through TEMPLATES, so templates/ may replace one of Django's widget templates
# (templates/admin/widgets/split_datetime.html labels the admin's date and time inputs).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
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
                "iop.accounts.context_processors.clinic",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions live in PostgreSQL (not Redis) so the crisis button works with Redis down, and carry
# the user id so deactivating a user can end every one of their sessions at once.
SESSION_ENGINE = "iop.accounts.session_store"
SESSION_COOKIE_AGE = env_int("SESSION_ABSOLUTE_SECONDS", 12 * 3600, minimum=300)
SESSION_ABSOLUTE_SECONDS = SESSION_COOKIE_AGE
SESSION_IDLE_SECONDS_STAFF = env_int("SESSION_IDLE_SECONDS_STAFF", 15 * 60, minimum=60)
SESSION_IDLE_SECONDS_CLIENT = env_int("SESSION_IDLE_SECONDS_CLIENT", 30 * 60, minimum=60)
# How often an open websocket re-reads its session (sign-out elsewhere, deactivation); it also
# wakes at the session's own idle or absolute limit (iop/realtime/session_guard.py).
SOCKET_SESSION_CHECK_SECONDS = 30
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30, minimum=1))
# By account alone, so guesses spread over many addresses still lock it, and by account and
# address. The address is REMOTE_ADDR as iop.proxies resolved it (forwarded only by a proxy
# in TRUSTED_PROXIES), never a header the client wrote.
AXES_LOCKOUT_PARAMETERS = ["username", ["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "iop.accounts.lockout.client_ip"
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "iop.accounts.lockout.username_from_request"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Harbor")

# Transport security: on in production (DEBUG off).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
if env_bool("BEHIND_TLS_PROXY", PRODUCTION):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Recordings' encrypted media (recordings/vault.py): "filesystem" (RECORDING_STORAGE_DIR) or
# "s3" (any S3-compatible service through django-storages). Objects are ciphertext under random
# names; the storage never sees a plaintext byte or a name.
RECORDING_STORAGE = env_str("RECORDING_STORAGE", "filesystem") or "filesystem"
if RECORDING_STORAGE == "filesystem":
    STORAGES["recordings"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": env_str("RECORDING_STORAGE_DIR", str(BASE_DIR / "var" / "recordings")),
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }
elif RECORDING_STORAGE == "s3":
    _bucket = env_str("RECORDING_S3_BUCKET")
    if not _bucket:
        raise ImproperlyConfigured("RECORDING_S3_BUCKET must be set when RECORDING_STORAGE is s3")
    STORAGES["recordings"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _bucket,
            # None: AWS itself; else an S3-compatible service's URL.
            "endpoint_url": env_str("RECORDING_S3_ENDPOINT_URL"),
            "region_name": env_str("RECORDING_S3_REGION"),
            # None: boto3's own chain (an instance or pod role, AWS_* variables).
            "access_key": env_str("RECORDING_S3_ACCESS_KEY_ID"),
            "secret_key": env_str("RECORDING_S3_SECRET_ACCESS_KEY"),
            "addressing_style": env_str("RECORDING_S3_ADDRESSING_STYLE"),
            "default_acl": None,
            "file_overwrite": False,
            # Uploads read the media's iterator in the caller's thread, never in a pool's.
            "use_threads": False,
        },
    }
else:
    raise ImproperlyConfigured("RECORDING_STORAGE must be filesystem or s3")
# Plaintext bytes per independently authenticated chunk: a Range read decrypts whole chunks.
RECORDING_CHUNK_BYTES = env_int("RECORDING_CHUNK_BYTES", 4 * 1024 * 1024, minimum=64 * 1024)
# How long a playback link (recordings/services/playback.py) is good for: every Range request
# re-checks it, so a link cannot be kept and replayed later.
RECORDING_PLAYBACK_LINK_SECONDS = env_int("RECORDING_PLAYBACK_LINK_SECONDS", 300, minimum=10)
WHITENOISE_USE_FINDERS = True

CACHES = {
    "default": {
        # One connection pool per process (iop/cache.py), not one per request.
        "BACKEND": "iop.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "harbor",
        "OPTIONS": {
            "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
            "socket_timeout": REDIS_SOCKET_TIMEOUT,
        },
    }
}

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "iop.realtime.layers.RedisChannelLayer",
        # Its connections have no socket timeout: iop/realtime/layers.py says why.
        "CONFIG": {
            "hosts": [{"address": REDIS_URL}],
            "capacity": 1000,
            "expiry": 30,
        },
    }
}

# Celery: late acks with reject-on-lost so a killed worker's task is redelivered; prefetch 1 so
# one slow task never holds others; publishing gives up fast so requests never hang.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
    "socket_timeout": 2,
    "max_retries": 0,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = False
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "UTC"
# Beat keeps its schedule in memory, not in a shelve file that needs a writable folder: every
# entry is a short interval and the timers themselves are rows (DESIGN invariant 3), so all a
# restart costs is one early run of each idempotent tick.
CELERY_BEAT_SCHEDULER = "celery.beat:Scheduler"
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "worker-heartbeat": {"task": "iop.realtime.tasks.heartbeat_task", "schedule": 15.0},
    # Re-dispatches outbox rows left queued or stuck in sending (iop/notify). On the crisis queue
    # so a backlog of reminders never delays it; expires so a stopped worker is not flooded.
    "notify-sweep": {
        "task": "iop.notify.tasks.message_sweep_task",
        "schedule": 5.0,
        "options": {"queue": "crisis", "expires": 10},
    },
    # crisis/: escalation steps, follow-ups and check-in prompts are due rows claimed by ticks.
    "crisis-escalation-tick": {
        "task": "crisis.tasks.escalation_tick_task",
        "schedule": 2.0,
        "options": {"queue": "crisis", "expires": 4},
    },
    "crisis-follow-up-tick": {
        "task": "crisis.tasks.follow_up_tick_task",
        "schedule": 30.0,
        "options": {"queue": "crisis", "expires": 25},
    },
    "crisis-check-in-prompt-tick": {
        "task": "crisis.tasks.check_in_prompt_tick_task",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Sessions (sessions_app): missed-session and finalise ticks claim due rows with SKIP LOCKED;
    # presence sweep turns silent session pages into disconnects; the schedule and reminders
    # are extended hourly (idempotent, so hourly is only a safety margin over daily).
    "sessions-missed-tick": {
        "task": "sessions_app.tasks.sessions_missed_tick_task",
        "schedule": 5.0,
        "options": {"expires": 10},
    },
    "sessions-finalise-tick": {
        "task": "sessions_app.tasks.sessions_finalise_tick_task",
        "schedule": 30.0,
        "options": {"expires": 60},
    },
    "sessions-presence-sweep": {
        "task": "sessions_app.tasks.presence_sweep_task",
        "schedule": 15.0,
        "options": {"expires": 30},
    },
    # support/: SLA warnings and breaches (tier-1 → tier-2 escalation) are due rows claimed
    # with SKIP LOCKED; solved tickets close themselves after seven days.
    "support-sla-tick": {
        "task": "support.tasks.sla_tick_task",
        "schedule": 5.0,
        "options": {"expires": 10},
    },
    # A waiting chat nobody picked up in time becomes a ticket (a timer row, like the SLA).
    "support-chat-tick": {
        "task": "support.tasks.chat_unanswered_tick_task",
        "schedule": 5.0,
        "options": {"expires": 10},
    },
    "support-close-tick": {
        "task": "support.tasks.ticket_close_tick_task",
        "schedule": 300.0,
        "options": {"expires": 240},
    },
    # messaging/: a member's report of a peer-space post is a timer row (reminder halfway, the
    # supervisors when overdue), claimed with SKIP LOCKED.
    "messaging-peer-report-tick": {
        "task": "messaging.tasks.peer_report_tick_task",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
    # records/: a program's weekly hours check is a timer row (from its check day, daily to the
    # week's end), claimed with SKIP LOCKED; alerts are once per client-week.
    "records-hours-check-tick": {
        "task": "records.tasks.hours_check_tick_task",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    # recordings/: ended segments are stored encrypted (the kick after each segment ends, and
    # this tick for the kicks the broker lost or the provider was still finishing); the consent
    # rule re-applied to running recordings, a safety net under the join and consent events.
    "recordings-store-tick": {
        "task": "recordings.tasks.segments_store_tick_task",
        "schedule": 10.0,
        "options": {"expires": 20},
    },
    "recordings-rule-tick": {
        "task": "recordings.tasks.recordings_rule_tick_task",
        "schedule": 15.0,
        "options": {"expires": 30},
    },
    # Clients' access requests past their decision time go to the program's supervisors.
    "recordings-access-escalate-tick": {
        "task": "recordings.tasks.recording_access_requests_escalate_tick_task",
        "schedule": 60.0,
        "options": {"expires": 120},
    },
    # recordings/: recordings past their retention are crypto-shredded, then their objects
    # deleted (and deletes that failed retried).
    "recordings-purge-tick": {
        "task": "recordings.tasks.recordings_purge_tick_task",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    # LiveKit's webhooks are hints: every 30 s each LiveKit room with a running recording (or a
    # segment still being stored) is compared with ListEgress: lost egresses end their segment,
    # lost egress_ended webhooks are made up for, and an egress Harbor does not know is stopped.
    "recordings-reconcile-tick": {
        "task": "recordings.tasks.recordings_reconcile_tick_task",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
    # messaging/: a client's secure message unanswered past its time is a timer row claimed by
    # this tick (SKIP LOCKED): it reminds the care team, then the program's supervisors.
    "messaging-reply-reminder-tick": {
        "task": "messaging.tasks.reply_reminder_tick_task",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
    # records/: a treatment plan review that is due (after signing, after a resolved crisis) is
    # a timer row claimed with SKIP LOCKED: it reminds the primary clinician, then (overdue)
    # the program's supervisors.
    "records-plan-review-tick": {
        "task": "records.tasks.plan_review_tick_task",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "api-idempotency-purge": {
        "task": "iop.api.tasks.idempotency_purge_task",
        "schedule": 3600.0,
        "options": {"expires": 1800},
    },
    # The API's list cache reads table versions as sums over api_tablechange: folded each minute.
    "api-table-changes-compact": {
        "task": "iop.api.tasks.table_changes_compact_task",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "sessions-extend-schedule": {
        "task": "sessions_app.tasks.schedule_extend_task",
        "schedule": 3600.0,
        "options": {"expires": 1800},
    },
    # support/: announcements' "tell people" notices are due rows claimed by the tick.
    "support-announcement-notice-tick": {
        "task": "support.tasks.announcement_notice_tick_task",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "iop.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["iop.api.permissions.IsVerifiedPrincipal"],
    "DEFAULT_PAGINATION_CLASS": "iop.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "iop.api.errors.exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["iop.api.filters.FilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["iop.api.throttling.ApiKeyRateThrottle"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Harbor API",
    "DESCRIPTION": "The virtual IOP platform's API for EHR, billing and analytics integrators.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI is served from our own static files, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "iop.api.idempotency.document_idempotency",
    ],
    # One name per choice set used by several fields or sharing a field name with another.
    "ENUM_NAME_OVERRIDES": {
        "MediaStateEnum": "sessions_app.models.joining.MediaState",
        "SessionKindEnum": "sessions_app.models.schedule.SessionKind",
        "ConsentKindEnum": "iop.consents.models.ConsentKind",
        "CrisisSourceEnum": "crisis.models.events.CrisisSource",
        "ArticleCategoryEnum": "support.models.help.ArticleCategory",
        "TicketStatusEnum": "support.models.tickets.TicketStatus",
        "TicketCategoryEnum": "support.models.tickets.TicketCategory",
        "TicketPriorityEnum": "support.models.sla.TicketPriority",
        "TicketSourceEnum": "support.models.tickets.TicketSource",
        "TicketEntryKindEnum": "support.models.tickets.EntryKind",
        "TicketEntryChannelEnum": "support.models.tickets.EntryChannel",
        "RecordingStateEnum": "recordings.models.recordings.RecordingState",
        "RecordingAccessRequestStateEnum": "recordings.models.access.AccessRequestState",
        "TreatmentPlanStatusEnum": "records.models.plans.PlanStatus",
        "PlanObjectiveStatusEnum": "records.models.plans.ObjectiveStatus",
    },
}

# The clinic, shown on every client page.
CLINIC_NAME = env_str("CLINIC_NAME", "Harbor Virtual IOP")
CLINIC_CRISIS_LINE = env_str("CLINIC_CRISIS_LINE", "+18005550100")
NATIONAL_CRISIS_LINE = "988"

# Outside providers (see iop/notify): console in development, twilio in production.
SMS_BACKEND = env_str("SMS_BACKEND", "console")
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN", "")
TWILIO_MESSAGING_SERVICE_SID = env_str("TWILIO_MESSAGING_SERVICE_SID", "")
TWILIO_FROM_NUMBER = env_str("TWILIO_FROM_NUMBER", "")
TWILIO_API_BASE_URL = env_str("TWILIO_API_BASE_URL", "")
TWILIO_TIMEOUT_SECONDS = env_int("TWILIO_TIMEOUT_SECONDS", 10, minimum=1)
# The outbox (iop/notify): leases, retries, quiet hours (recipient's local hours) and rate limit.
NOTIFY_CLAIM_SECONDS = env_int("NOTIFY_CLAIM_SECONDS", 30, minimum=5)
# A send's lease must outlast the provider's request timeout, else a slow send is sent twice.
NOTIFY_SEND_LEASE_SECONDS = env_int(
    "NOTIFY_SEND_LEASE_SECONDS", 60, minimum=TWILIO_TIMEOUT_SECONDS + 10
)
NOTIFY_RETRY_BASE_SECONDS = float(env_int("NOTIFY_RETRY_BASE_SECONDS", 5, minimum=1))
NOTIFY_MAX_COUNTDOWN_SECONDS = env_int("NOTIFY_MAX_COUNTDOWN_SECONDS", 300, minimum=0)
NOTIFY_QUIET_START = env_int("NOTIFY_QUIET_START", 21, minimum=0)
NOTIFY_QUIET_END = env_int("NOTIFY_QUIET_END", 8, minimum=0)
NOTIFY_RATE_LIMIT_PER_HOUR = env_int("NOTIFY_RATE_LIMIT_PER_HOUR", 6, minimum=1)
if NOTIFY_QUIET_START > 23 or NOTIFY_QUIET_END > 23:
    raise ImproperlyConfigured("NOTIFY_QUIET_START and NOTIFY_QUIET_END are hours, 0 to 23")
# Redis re-delivers a countdown task still waiting after the visibility timeout: keep them short.
if CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] <= NOTIFY_MAX_COUNTDOWN_SECONDS:
    raise ImproperlyConfigured(
        "NOTIFY_MAX_COUNTDOWN_SECONDS must be shorter than the broker's visibility timeout"
    )
# The hotline (/hooks/twilio/voice) rings this number, else the first on-call staff member's
# phone; unanswered calls go to the fallback (the 988 Lifeline).
HOTLINE_ON_CALL_NUMBER = env_str("HOTLINE_ON_CALL_NUMBER", "")
HOTLINE_FALLBACK_NUMBER = env_str("HOTLINE_FALLBACK_NUMBER", NATIONAL_CRISIS_LINE)
# Sessions (sessions_app): video rooms, the rolling schedule, presence and reminders.
SESSIONS_VIDEO_PROVIDER = env_str("SESSIONS_VIDEO_PROVIDER", "jitsi") or "jitsi"
if SESSIONS_VIDEO_PROVIDER not in ("jitsi", "external", "livekit"):
    raise ImproperlyConfigured("SESSIONS_VIDEO_PROVIDER must be jitsi, external or livekit")
JITSI_BASE_URL = env_url("JITSI_BASE_URL", "https://meet.jit.si", schemes=("http", "https"))
JITSI_APP_ID = env_str("JITSI_APP_ID", "")
JITSI_APP_SECRET = env_str("JITSI_APP_SECRET", "")
JITSI_WEBHOOK_SECRET = env_str("JITSI_WEBHOOK_SECRET", "")
# LiveKit rooms (sessions_app/video.py) and their recording through Egress
# (recordings/providers/livekit.py). Browsers connect to LIVEKIT_URL (ws:// or wss://); Harbor
# calls the server API at LIVEKIT_API_URL, by default the same server over http(s). One key pair
# signs room tokens and API calls and verifies LiveKit's webhooks.
LIVEKIT_URL = env_optional_url("LIVEKIT_URL", schemes=("ws", "wss"))
LIVEKIT_API_URL = env_optional_url("LIVEKIT_API_URL", schemes=("http", "https")) or (
    LIVEKIT_URL.replace("ws", "http", 1) if LIVEKIT_URL else ""
)
LIVEKIT_API_KEY = env_str("LIVEKIT_API_KEY", "") or ""
LIVEKIT_API_SECRET = env_str("LIVEKIT_API_SECRET", "") or ""
LIVEKIT_API_TIMEOUT_SECONDS = env_int("LIVEKIT_API_TIMEOUT_SECONDS", 10, minimum=1)
if SESSIONS_VIDEO_PROVIDER == "livekit" and not (
    LIVEKIT_URL and LIVEKIT_API_KEY and LIVEKIT_API_SECRET
):
    raise ImproperlyConfigured(
        "SESSIONS_VIDEO_PROVIDER=livekit needs LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET"
    )
# Where LiveKit Egress uploads a recorded segment (an S3-compatible bucket: AWS, MinIO, ...) and
# Harbor streams it from to encrypt it; Harbor deletes each object once it is stored encrypted.
# Without a bucket LiveKit rooms still work, and recording in them is refused with the reason.
LIVEKIT_EGRESS_S3_BUCKET = env_str("LIVEKIT_EGRESS_S3_BUCKET", "") or ""
LIVEKIT_EGRESS_S3_ENDPOINT = env_optional_url(
    "LIVEKIT_EGRESS_S3_ENDPOINT", schemes=("http", "https")
)
LIVEKIT_EGRESS_S3_REGION = env_str("LIVEKIT_EGRESS_S3_REGION", "us-east-1") or "us-east-1"
LIVEKIT_EGRESS_S3_ACCESS_KEY = env_str("LIVEKIT_EGRESS_S3_ACCESS_KEY", "") or ""
LIVEKIT_EGRESS_S3_SECRET = env_str("LIVEKIT_EGRESS_S3_SECRET", "") or ""
LIVEKIT_EGRESS_S3_PREFIX = env_str("LIVEKIT_EGRESS_S3_PREFIX", "harbor-egress/") or ""
SESSIONS_HORIZON_DAYS = env_int("SESSIONS_HORIZON_DAYS", 56, minimum=7)
SESSIONS_REMINDER_WINDOW_HOURS = env_int("SESSIONS_REMINDER_WINDOW_HOURS", 48, minimum=2)
SESSIONS_HEARTBEAT_SECONDS = env_int("SESSIONS_HEARTBEAT_SECONDS", 15, minimum=5)
SESSIONS_PRESENCE_TIMEOUT_SECONDS = env_int(
    "SESSIONS_PRESENCE_TIMEOUT_SECONDS", 45, minimum=SESSIONS_HEARTBEAT_SECONDS * 2
)
SESSIONS_JOIN_OPENS_MINUTES = env_int("SESSIONS_JOIN_OPENS_MINUTES", 15, minimum=0)
SESSIONS_DIAL_IN_NUMBER = env_str("SESSIONS_DIAL_IN_NUMBER", "")
# recordings/: which recorder a session gets. Rooms with a recording API Harbor trusts (LiveKit)
# record through it; with RECORDING_PROVIDER_LOCAL on (development and tests: the default with
# DEBUG) every other room records with the local recorder, which generates a real audio file and
# trusts Harbor's own join and leave events. Production refuses it: it records no one.
RECORDING_PROVIDER_LOCAL = env_bool("RECORDING_PROVIDER_LOCAL", DEBUG)
if PRODUCTION and RECORDING_PROVIDER_LOCAL:
    raise ImproperlyConfigured(
        "RECORDING_PROVIDER_LOCAL must be off with DEBUG off: the local recorder records no one"
    )
# The local recorder's file follows the segment's length, up to this many seconds.
RECORDING_LOCAL_MAX_SECONDS = env_int("RECORDING_LOCAL_MAX_SECONDS", 600, minimum=1)
# Clients' access to recordings they appear in: a clinician decides a request within this many
# hours (else it goes to the program's supervisors); approved access and a catch-up offer after
# a session missed for a technical reason last this many days.
RECORDING_ACCESS_DECISION_HOURS = env_int("RECORDING_ACCESS_DECISION_HOURS", 72, minimum=1)
RECORDING_ACCESS_DAYS = env_int("RECORDING_ACCESS_DAYS", 14, minimum=1)
RECORDING_CATCHUP_ACCESS_DAYS = env_int("RECORDING_CATCHUP_ACCESS_DAYS", 14, minimum=1)
# A LiveKit egress Harbor has heard nothing from for this long (LiveKit unreachable while it
# records, or an egress stopped but never finished) is reported to the facilitator by the
# reconcile tick (recordings/services/reconcile.py).
RECORDING_EGRESS_SILENCE_SECONDS = env_int("RECORDING_EGRESS_SILENCE_SECONDS", 120, minimum=30)
# crisis/: follow-ups after a resolved crisis (hours), the grace before an overdue one goes to
# a supervisor, and how long check-ins stay stepped up.
_follow_up_hours = env_list("CRISIS_FOLLOW_UP_HOURS", ["24", "72", "168"])
if not all(h.isdigit() and int(h) > 0 for h in _follow_up_hours):
    raise ImproperlyConfigured("CRISIS_FOLLOW_UP_HOURS must be whole hours, e.g. 24,72,168")
CRISIS_FOLLOW_UP_HOURS = [int(h) for h in _follow_up_hours]
CRISIS_FOLLOW_UP_GRACE_MINUTES = env_int("CRISIS_FOLLOW_UP_GRACE_MINUTES", 120, minimum=0)
CRISIS_STEP_UP_DAYS = env_int("CRISIS_STEP_UP_DAYS", 14, minimum=1)
# support/: the help centre's search adds trigram similarity where the database has pg_trgm
# ("auto"); "off" searches as on a server without it (words corrected against the lexicon).
# A live chat nobody picks up within this many seconds (in business hours) becomes a ticket.
SUPPORT_CHAT_WAIT_SECONDS = env_int("SUPPORT_CHAT_WAIT_SECONDS", 180, minimum=30)
SUPPORT_SEARCH_TRIGRAM = env_str("SUPPORT_SEARCH_TRIGRAM", "auto") or "auto"
if SUPPORT_SEARCH_TRIGRAM not in ("auto", "off"):
    raise ImproperlyConfigured("SUPPORT_SEARCH_TRIGRAM must be auto or off")
# messaging/: secure care-team threads are read in clinic hours (each program's time zone):
# MESSAGING_CLINIC_HOURS on MESSAGING_CLINIC_DAYS, closed on the public holidays of
# MESSAGING_HOLIDAY_COUNTRY (empty: none). A client's message unanswered after
# MESSAGING_REPLY_WITHIN_MINUTES of clinic time (0: one clinic day) reminds the care team, and
# MESSAGING_SUPERVISOR_AFTER_MINUTES of clinic time later the program's supervisors.
MESSAGING_CLINIC_HOURS = env_str("MESSAGING_CLINIC_HOURS", "09:00-17:00") or "09:00-17:00"
MESSAGING_CLINIC_DAYS = env_list("MESSAGING_CLINIC_DAYS", ["mon", "tue", "wed", "thu", "fri"])
MESSAGING_HOLIDAY_COUNTRY = (env_str("MESSAGING_HOLIDAY_COUNTRY", "US") or "").upper()
MESSAGING_REPLY_WITHIN_MINUTES = env_int("MESSAGING_REPLY_WITHIN_MINUTES", 0, minimum=0)
MESSAGING_SUPERVISOR_AFTER_MINUTES = env_int("MESSAGING_SUPERVISOR_AFTER_MINUTES", 240, minimum=1)
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "care@harbor.example")
# For django.core.mail.backends.smtp.EmailBackend (production).
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)

# Content-Security-Policy (django-csp): scripts and styles only from our own static files (no
# inline script anywhere), connections only to this server (its websockets too) and the video
# server. The API docs page (iop/api/urls.py) alone adds inline styles for Swagger UI.
_ws_origin = ("wss://" if PUBLIC_BASE_URL.startswith("https://") else "ws://") + (
    PUBLIC_BASE_URL.split("://", 1)[1].split("/", 1)[0]
)
VIDEO_ORIGIN = "/".join(JITSI_BASE_URL.split("/", 3)[:3])
# A LiveKit room's page connects to its server by websocket and, to explain a refused
# connection, by http(s) (livekit-client's /rtc/validate).
LIVEKIT_ORIGINS = (
    [o for o in ("/".join(u.split("/", 3)[:3]) for u in (LIVEKIT_URL, LIVEKIT_API_URL)) if o]
    if LIVEKIT_URL
    else []
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'", _ws_origin, VIDEO_ORIGIN, *LIVEKIT_ORIGINS],
        "frame-src": [VIDEO_ORIGIN],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Production refuses to start on anything unsafe for clients (DESIGN invariant 8).
if PRODUCTION:
    _refused = refusals(
        ProductionValues(
            public_base_url=PUBLIC_BASE_URL,
            secret_key=_secret,
            field_encryption_keys=FIELD_ENCRYPTION_KEYS,
            recording_keys=RECORDING_KEYS,
            allowed_hosts=ALLOWED_HOSTS,
            sms_backend=SMS_BACKEND or "",
            email_backend=EMAIL_BACKEND or "",
            jitsi_base_url=JITSI_BASE_URL,
        )
    ) + livekit_refusals(
        LiveKitValues(
            default_video_provider=SESSIONS_VIDEO_PROVIDER,
            url=LIVEKIT_URL,
            api_url=LIVEKIT_API_URL,
            api_key=LIVEKIT_API_KEY,
            api_secret=LIVEKIT_API_SECRET,
            egress_s3_endpoint=LIVEKIT_EGRESS_S3_ENDPOINT,
        )
    )
    if _refused:
        raise ImproperlyConfigured("Harbor will not start with DEBUG off: " + "; ".join(_refused))

# accounts/: the clinic's country, for phone numbers typed in national form ("(415) 555-0199"),
# and how long a password-reset link works (Django's default is three days).
from phonenumbers import SUPPORTED_REGIONS as _PHONE_REGIONS  # noqa: E402

PHONE_REGION = (env_str("PHONE_REGION", "US") or "US").upper()
if PHONE_REGION not in _PHONE_REGIONS:
    raise ImproperlyConfigured(
        f"PHONE_REGION must be a region code such as US, got {PHONE_REGION!r}"
    )
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT_SECONDS", 3600, minimum=300)

# records/: a treatment plan review falls due RECORDS_PLAN_REVIEW_AFTER_CRISIS_DAYS after a
# client's crisis is resolved (besides the program's plan_review_days after signing); a review
# still open RECORDS_PLAN_REVIEW_OVERDUE_DAYS after it fell due is overdue and the program's
# supervisors are told.
RECORDS_PLAN_REVIEW_AFTER_CRISIS_DAYS = env_int(
    "RECORDS_PLAN_REVIEW_AFTER_CRISIS_DAYS", 3, minimum=0
)
RECORDS_PLAN_REVIEW_OVERDUE_DAYS = env_int("RECORDS_PLAN_REVIEW_OVERDUE_DAYS", 7, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # twilio.http_client logs every request's headers at INFO.
    "loggers": {
        "axes": {"level": "WARNING"},
        "twilio.http_client": {"level": "WARNING"},
        # Beat ticks every few seconds; "received"/"succeeded" lines for each would bury the
        # console messages and warnings a person running `make run` needs to see.
        "celery.beat": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING"},
        "celery.worker.strategy": {"level": "WARNING"},
    },
}
