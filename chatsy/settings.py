"""Chatsy settings: one module, driven by environment variables with safe local defaults.

Production differs only by env values (see the table in README.md). Secrets have no
production default: with DEBUG off, SECRET_KEY must be set.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from chatsy.localenv import websocket_max_message_bytes

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CHATSY_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _positive(text: str) -> bool:
    try:
        return float(text) > 0
    except ValueError:
        return False


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Off unless set: production must never inherit a debug default. `make run` and the test suite
# set what they need (chatsy/devstack.py, chatsy/localenv.py).
DEBUG = env_bool("DEBUG", False)
SECRET_KEY_MIN_CHARS = 32


def secret_key_from_env() -> str:
    """SECRET_KEY, required with DEBUG off: a blank or short key signs nothing safely."""
    key = os.environ.get("SECRET_KEY", "")
    if not key.strip() and DEBUG:
        return "chatsy-insecure-local-development-key-change-me"
    if len("".join(key.split())) < SECRET_KEY_MIN_CHARS:
        raise ImproperlyConfigured(
            f"SECRET_KEY must be set to at least {SECRET_KEY_MIN_CHARS} non-blank characters "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(50))'`); "
            "only DEBUG=true runs without one."
        )
    return key


SECRET_KEY = secret_key_from_env()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "axes",
    "csp",
    "conversations",
    "escalation",
    "agents",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "chatsy.security.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "chatsy.urls"
ASGI_APPLICATION = "chatsy.asgi.application"

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
                "csp.context_processors.nonce",
            ],
        },
    },
]

# SQLite by default (a file under var/, WAL, immediate transactions: concurrent writers
# otherwise fail with "database is locked"); PostgreSQL in production via DATABASE_URL
# (psycopg 3: `postgres://user:password@host:5432/name`, `?host=/run/postgresql` for a socket).
#
# Connections are kept open. Channels runs every `database_sync_to_async` call of a process on
# one thread and calls close_old_connections() around each: with CONN_MAX_AGE=0 every hop
# opened and closed a connection (measured: 34 % of that thread's time). Now each thread keeps
# one for good (SQLite; PostgreSQL borrows it from the process's pool, below), checked before
# reuse (CONN_HEALTH_CHECKS: free on SQLite, an empty query on PostgreSQL). HTTP requests,
# which Django's ASGI handler runs on a thread each, close theirs when they finish
# (chatsy.db); Celery's Django fixup closes a worker's around every task.
# DATABASE_CONN_MAX_AGE (seconds) overrides "for good".
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'chatsy.sqlite3'}"),
        conn_health_checks=True,
    )
}
DATABASES["default"]["CONN_MAX_AGE"] = (
    int(os.environ["DATABASE_CONN_MAX_AGE"]) if os.environ.get("DATABASE_CONN_MAX_AGE") else None
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # A fresh clone has no var/ yet.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests that run a live server in another process need a file, not :memory:.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-chatsy.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's psycopg pool, one per process: Django's advice under ASGI, and a new PostgreSQL
    # connection costs a server process. A hop or a request takes a connection from the pool
    # and gives it back at the end, so Django's own persistence must be off (Django forbids
    # both). DATABASE_POOL_MAX_SIZE=0 turns the pool off (e.g. behind PgBouncer) and the
    # persistent connections above apply again.
    pool_max_size = int(os.environ.get("DATABASE_POOL_MAX_SIZE", "10"))
    if pool_max_size > 0:
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            # One kept open: Celery's Django fixup closes a prefork worker's pool around every
            # task, and each new pool opens min_size connections at once.
            "min_size": 1,
            "max_size": pool_max_size,
            "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "10")),
        }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out client before any password is hashed (chatsy/login_throttle.py).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"

LOGIN_URL = "/console/login/"
LOGIN_REDIRECT_URL = "/console/"
LOGOUT_REDIRECT_URL = "/console/login/"

# Redis: the channel layer, the cache (cross-process invalidation), Celery and the queues.
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def channel_layers_for(redis_url: str) -> dict:
    return {
        "default": {
            # Pub/sub measured ~3x the group_send throughput of RedisChannelLayer here.
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                # redis-py >= 8 defaults socket_timeout to 5 s, which kills idle consumers
                # with close code 1011; None keeps idle sockets alive.
                "hosts": [{"address": redis_url, "socket_timeout": None}],
                "prefix": os.environ.get("CHATSY_CHANNEL_PREFIX", "chatsy"),
            },
        }
    }


def caches_for(redis_url: str) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": os.environ.get("CHATSY_CACHE_PREFIX", "chatsy"),
            # A stopped Redis must not hang a request (measured: SIGSTOP on Redis hung every
            # ack); the cache fails fast instead.
            "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        }
    }


CHANNEL_LAYERS = channel_layers_for(REDIS_URL)
CACHES = caches_for(REDIS_URL)
# The namespace of Chatsy's own keys (waiting lines, presence, counters): chatsy.redis.redis_key.
# Defaults to the cache's prefix, so one setting separates a deployment's data; the cache's
# keys ("<prefix>:<version>:…") never collide with these ("<prefix>:wq:…", "<prefix>:presence:…").
CHATSY_REDIS_PREFIX = os.environ.get("CHATSY_REDIS_PREFIX") or os.environ.get(
    "CHATSY_CACHE_PREFIX", "chatsy"
)

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE = {
    "queue-reconcile": {"task": "agents.tasks.queue_reconcile", "schedule": 30.0},
    "queue-sla-watch": {"task": "agents.tasks.queue_sla_watch", "schedule": 10.0},
    "queue-abandoned-sweep": {"task": "agents.tasks.queue_abandoned_sweep", "schedule": 60.0},
    # VIP waits past their plan's check-in minutes alert the managers, once per wait.
    "vip-checkins": {"task": "agents.tasks.vip_checkins", "schedule": 30.0},
    "answer-unanswered": {"task": "conversations.tasks.answer_unanswered", "schedule": 5.0},
    "summaries-reconcile": {"task": "escalation.tasks.summaries_reconcile", "schedule": 60.0},
    "ticket-emails-reconcile": {"task": "agents.tasks.ticket_emails_reconcile", "schedule": 60.0},
    "transcripts-reconcile": {
        "task": "conversations.tasks.transcripts_reconcile",
        "schedule": 60.0,
    },
    # Beat runs in UTC: every 15 minutes the task asks whether the weekly review is due in
    # CHATSY_WEEKLY_REVIEW_TIME_ZONE (agents.weekly_schedule), which also catches up after
    # downtime; a half-hour zone is still served within 15 minutes.
    "weekly-review": {"task": "agents.tasks.weekly_review", "schedule": 900.0},
}

# The weekly escalation review (docs/dashboard.md): the previous Monday–Sunday week, emailed to
# supervisors on this weekday at this hour in this zone (the site's: TIME_ZONE unless set).
CHATSY_WEEKLY_REVIEW_TIME_ZONE = os.environ.get("CHATSY_WEEKLY_REVIEW_TIME_ZONE") or TIME_ZONE
CHATSY_WEEKLY_REVIEW_DAY = os.environ.get("CHATSY_WEEKLY_REVIEW_DAY", "monday")
CHATSY_WEEKLY_REVIEW_HOUR = int(os.environ.get("CHATSY_WEEKLY_REVIEW_HOUR", "8"))
# Where people reach this server: absolute links in emails (the weekly review).
CHATSY_PUBLIC_URL = os.environ.get("CHATSY_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

# Email (ticket confirmations and replies, transcripts): printed to the console unless an SMTP
# server is configured. EMAIL_FILE_PATH serves the file backend (the e2e tests read it).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Chatsy <support@localhost>")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "10"))
if os.environ.get("EMAIL_FILE_PATH"):
    EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]

# The assistant. With no OPENAI_API_KEY the offline knowledge-base responder answers.
OPENAI_API_KEY = os.environ.get("OPENAI_API_KEY", "")
OPENAI_BASE_URL = os.environ.get("OPENAI_BASE_URL", "") or None
OPENAI_MODEL = os.environ.get("OPENAI_MODEL", "gpt-4o-mini")
# Deadlines for one answer: the first streamed token, and the whole answer (one retry included).
CHATSY_LLM_FIRST_TOKEN_SECONDS = float(os.environ.get("CHATSY_LLM_FIRST_TOKEN_SECONDS", "10"))
CHATSY_LLM_TOTAL_SECONDS = float(os.environ.get("CHATSY_LLM_TOTAL_SECONDS", "30"))
# A bot turn renews its deadline while it runs; one not renewed for this long belongs to a dead
# or stalled server and is run again by another (conversations.turns): within this plus one
# 2-second sweep.
CHATSY_BOT_TURN_LEASE_SECONDS = float(os.environ.get("CHATSY_BOT_TURN_LEASE_SECONDS", "6"))

# Chatsy limits and behaviour.
CHATSY_MAX_MESSAGE_CHARS = int(os.environ.get("CHATSY_MAX_MESSAGE_CHARS", "4000"))
CHATSY_MAX_FRAME_BYTES = int(os.environ.get("CHATSY_MAX_FRAME_BYTES", str(16 * 1024)))
# Daphne's --websocket-max-message-size (chatsy.devstack passes it to every Daphne we start).
# Daphne hands it to autobahn as maxMessagePayloadSize, which bounds both directions
# (autobahn/websocket/protocol.py): an incoming message over it fails the connection (1009),
# and sendMessage raises PayloadExceededError on an outgoing one, so the app crashes and the
# socket dies with 1011. Incoming frames are checked by the app against CHATSY_MAX_FRAME_BYTES;
# this is the bound on what the server sends, and `history` pages stay under a quarter of it.
CHATSY_WS_MAX_MESSAGE_BYTES = websocket_max_message_bytes(os.environ)
# A `history` frame holds at most this many messages, and at most a quarter of the bound above.
CHATSY_HISTORY_PAGE_MESSAGES = int(os.environ.get("CHATSY_HISTORY_PAGE_MESSAGES", "50"))
CHATSY_RATE_LIMIT_MESSAGES = int(os.environ.get("CHATSY_RATE_LIMIT_MESSAGES", "20"))
CHATSY_RATE_LIMIT_WINDOW_SECONDS = float(os.environ.get("CHATSY_RATE_LIMIT_WINDOW_SECONDS", "10"))
CHATSY_MAX_VIOLATIONS = int(os.environ.get("CHATSY_MAX_VIOLATIONS", "10"))
# New widget visitors per client address per minute (each page's first open creates one).
CHATSY_SESSIONS_PER_MINUTE = int(os.environ.get("CHATSY_SESSIONS_PER_MINUTE", "30"))

# Budgets for what an anonymous visitor may do (chatsy.budgets), shared by every socket and
# server process through Redis: "<count>/<seconds>" per visitor (their token) and per client
# address (several people can share one, behind a NAT); "" is no budget. New visitors and
# messages per visitor keep the settings above.
CHATSY_BUDGETS: dict[str, tuple[str | None, str | None]] = {
    # None: CHATSY_RATE_LIMIT_MESSAGES per CHATSY_RATE_LIMIT_WINDOW_SECONDS.
    "message": (None, os.environ.get("CHATSY_BUDGET_MESSAGES_PER_ADDRESS", "200/10")),
    # The widget sends one typing frame per 3 s while the visitor types, and one when they stop.
    "typing": (
        os.environ.get("CHATSY_BUDGET_TYPING", "30/10"),
        os.environ.get("CHATSY_BUDGET_TYPING_PER_ADDRESS", "300/10"),
    ),
    # The widget resyncs after each reconnect and on a gap in seq.
    "resync": (
        os.environ.get("CHATSY_BUDGET_RESYNC", "10/10"),
        os.environ.get("CHATSY_BUDGET_RESYNC_PER_ADDRESS", "100/10"),
    ),
    "action": (
        os.environ.get("CHATSY_BUDGET_ACTIONS", "20/60"),
        os.environ.get("CHATSY_BUDGET_ACTIONS_PER_ADDRESS", "200/60"),
    ),
    "csat": (
        os.environ.get("CHATSY_BUDGET_CSAT", "5/60"),
        os.environ.get("CHATSY_BUDGET_CSAT_PER_ADDRESS", "50/60"),
    ),
    # The widget pings every 25 s.
    "ping": (
        os.environ.get("CHATSY_BUDGET_PINGS", "20/10"),
        os.environ.get("CHATSY_BUDGET_PINGS_PER_ADDRESS", "200/10"),
    ),
    # Sign-ins of one visitor's token on any socket (every tab, every reconnect): a token
    # reconnecting in a loop is refused before it costs a database hop.
    "auth": (os.environ.get("CHATSY_BUDGET_AUTH", "30/60"), ""),
    # New websockets per client address (reconnects included).
    "socket": ("", os.environ.get("CHATSY_BUDGET_SOCKETS_PER_ADDRESS", "300/60")),
    # None: CHATSY_SESSIONS_PER_MINUTE per 60 s.
    "visitor": ("", None),
    # Handoffs a visitor can cause; beyond it the bot says so and keeps helping.
    "escalation": (os.environ.get("CHATSY_BUDGET_ESCALATIONS", "3/3600"), ""),
    # Transcripts emailed at the visitor's request (each one email to an address they typed).
    "transcript": (
        os.environ.get("CHATSY_BUDGET_TRANSCRIPTS", "3/3600"),
        os.environ.get("CHATSY_BUDGET_TRANSCRIPTS_PER_ADDRESS", "20/3600"),
    ),
}
for _kind, _pair in CHATSY_BUDGETS.items():  # a typo fails at start-up, not on every frame
    for _text in _pair:
        _count, _slash, _seconds = (_text or "").partition("/")
        if _text and not (_count.strip().isdigit() and _slash and _positive(_seconds)):
            raise ImproperlyConfigured(
                f"The {_kind} budget {_text!r} is not COUNT/SECONDS (e.g. 20/10: 20 per 10 s)."
            )
# Over a budget a socket gets an `error` frame (`rate_limited`, `retry_after`); after this many
# refusals it is closed with 4429, after a pause of this long in which its frames are ignored
# (a client reconnecting on close cannot loop faster than that).
CHATSY_BUDGET_STRIKES = int(os.environ.get("CHATSY_BUDGET_STRIKES", "5"))
CHATSY_REFUSED_SOCKET_HOLD_SECONDS = float(
    os.environ.get("CHATSY_REFUSED_SOCKET_HOLD_SECONDS", "2")
)
# A visitor socket that has not sent `auth` this long after opening is closed with 4408; at most
# this many such sockets per client address at once.
CHATSY_AUTH_DEADLINE_SECONDS = float(os.environ.get("CHATSY_AUTH_DEADLINE_SECONDS", "5"))
CHATSY_UNAUTHENTICATED_SOCKETS_PER_ADDRESS = int(
    os.environ.get("CHATSY_UNAUTHENTICATED_SOCKETS_PER_ADDRESS", "50")
)
# At most one visitor typing push per conversation this often (the last state always follows).
CHATSY_TYPING_PUSH_SECONDS = float(os.environ.get("CHATSY_TYPING_PUSH_SECONDS", "1"))
# The client address is the socket's peer, unless that peer is one of these proxies (addresses
# or CIDRs, e.g. "10.0.0.0/8"; "unix" for a proxy on a unix socket): then the right-most address in
# X-Forwarded-For that is not.
CHATSY_TRUSTED_PROXIES = env_list("CHATSY_TRUSTED_PROXIES", "")
CHATSY_VISITOR_TOKEN_MAX_AGE_DAYS = int(os.environ.get("CHATSY_VISITOR_TOKEN_MAX_AGE_DAYS", "365"))
CHATSY_BOT_NAME = os.environ.get("CHATSY_BOT_NAME", "Chatsy bot")
# Agents: presence expires this long after the console's last heartbeat; an assigned chat with
# no agent reply for this long goes back to the front of its queue.
CHATSY_PRESENCE_TTL_SECONDS = int(os.environ.get("CHATSY_PRESENCE_TTL_SECONDS", "60"))
# An agent is available only while a console socket beat within this many seconds (it beats
# every third of it); the status above outlives it, as the grace period before chats requeue.
CHATSY_CONSOLE_TTL_SECONDS = int(os.environ.get("CHATSY_CONSOLE_TTL_SECONDS", "30"))
CHATSY_AGENT_REPLY_TIMEOUT_SECONDS = int(
    os.environ.get("CHATSY_AGENT_REPLY_TIMEOUT_SECONDS", "120")
)
# A queued chat whose visitor has had no widget open for this long is closed as abandoned
# (agents.services.abandoned), checked every minute: it stops waiting in the agents' queue.
CHATSY_QUEUE_ABANDONED_MINUTES = float(os.environ.get("CHATSY_QUEUE_ABANDONED_MINUTES", "15"))
# The console lists this many rows per queue (and per supervisor list) and pushes changes row
# by row; "Show more" loads the next rows over HTTP. Keeps every pushed frame small, however
# many visitors wait (Daphne closes a socket whose frame passes --websocket-max-message-size).
CHATSY_CONSOLE_QUEUE_ROWS = int(os.environ.get("CHATSY_CONSOLE_QUEUE_ROWS", "25"))
# The store's currency (ISO 4217): rule thresholds are in it; the handoff card writes them
# with its symbol ("Billing dispute over $100").
CHATSY_CURRENCY = os.environ.get("CHATSY_CURRENCY", "USD").strip().upper() or "USD"
# The console pings its socket this often and, when no frame comes back within the deadline,
# shows "Offline" and reconnects (a cut network otherwise leaves a socket open and silent).
CHATSY_CONSOLE_PING_SECONDS = float(os.environ.get("CHATSY_CONSOLE_PING_SECONDS", "10"))
CHATSY_CONSOLE_PONG_DEADLINE_SECONDS = float(
    os.environ.get("CHATSY_CONSOLE_PONG_DEADLINE_SECONDS", "5")
)
# Serve /static/ from the ASGI app itself (off when a CDN or reverse proxy serves it).
CHATSY_SERVE_STATIC = env_bool("CHATSY_SERVE_STATIC", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"daphne": {"level": "WARNING"}},
}

# Login throttling (django-axes, chatsy/login_throttle.py): the console's login and the admin's
# refuse a client address after CHATSY_LOGIN_FAILURES_PER_ADDRESS failures within
# CHATSY_LOGIN_ADDRESS_WINDOW_MINUTES, and a username after CHATSY_LOGIN_FAILURES_PER_USERNAME
# failures (from any addresses) within CHATSY_LOGIN_USERNAME_WINDOW_MINUTES.
CHATSY_LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("CHATSY_LOGIN_FAILURES_PER_ADDRESS", "5"))
CHATSY_LOGIN_ADDRESS_WINDOW_MINUTES = int(
    os.environ.get("CHATSY_LOGIN_ADDRESS_WINDOW_MINUTES", "5")
)
CHATSY_LOGIN_FAILURES_PER_USERNAME = int(os.environ.get("CHATSY_LOGIN_FAILURES_PER_USERNAME", "10"))
CHATSY_LOGIN_USERNAME_WINDOW_MINUTES = int(
    os.environ.get("CHATSY_LOGIN_USERNAME_WINDOW_MINUTES", "15")
)
AXES_HANDLER = "chatsy.login_throttle.LoginThrottleHandler"
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_FAILURE_LIMIT = 1  # the handler counts the limits reached, not failures
AXES_COOLOFF_TIME = timedelta(
    minutes=max(CHATSY_LOGIN_ADDRESS_WINDOW_MINUTES, CHATSY_LOGIN_USERNAME_WINDOW_MINUTES)
)
AXES_LOCKOUT_CALLABLE = "chatsy.login_throttle.lockout_response"
AXES_RESET_ON_SUCCESS = False  # a login with one's own account must not reset an address's count
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_VERBOSE = False
# The client's address, as the rest of Chatsy reads it (CHATSY_TRUSTED_PROXIES).
AXES_CLIENT_IP_CALLABLE = "chatsy.login_throttle.client_address"

# Security headers. Our own pages only: the widget runs inside other sites, under their policy.
# No inline script or style anywhere (static/ holds them), so 'self' suffices; the nonce is for
# a template that must inline one (`nonce="{{ CSP_NONCE }}"`). htmx runs with allowEval off and
# its indicator styles in console.css (templates/console/base.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Powerful browser features none of our pages use (chatsy/security.py).
CHATSY_PERMISSIONS_POLICY = os.environ.get(
    "CHATSY_PERMISSIONS_POLICY",
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()",
)
SECURE_CONTENT_TYPE_NOSNIFF = True  # chatsy/asgi.py adds it to /static/ too
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    # X-Forwarded-Proto says https only when a trusted proxy is configured (it must set the
    # header and strip a client's own); otherwise any client could claim https.
    if CHATSY_TRUSTED_PROXIES:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Off behind a proxy that already redirects, and for the test suite's plain-http Daphne.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # The preload list commits the whole domain for months: the operator's choice, not ours.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
