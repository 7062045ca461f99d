"""Settings of the Django stand-in: a small "Uplink" shop (products, orders, devices) served the
way the upgrade checklist describes it — Gunicorn (WSGI) for HTTP, Daphne (ASGI) for
WebSockets, Huey for background tasks — on loopback only, with SQLite instead of MySQL.

Everything the stand-in writes (the database, Huey's queue, logs, collected static files) goes
to DJANGO_STANDIN_RUN_DIR, which `scripts/django-standin` sets; the source folder stays clean.

Two settings are kept on purpose although Django 4.2 deprecates them, as the real project still
had them when its checklist was written: USE_L10N and STATICFILES_STORAGE. `python -Wd
manage.py check` shows their warnings and still passes, which is what the checklist's
`deprecation-check` probe expects.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
RUN_DIR = Path(os.environ.get("DJANGO_STANDIN_RUN_DIR", BASE_DIR / ".run"))

# A stand-in on loopback with throwaway data: the key guards nothing worth a secret.
SECRET_KEY = "django-standin-loopback-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "channels",
    "huey.contrib.djhuey",
    "shop",
    "devices",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "uplink.urls"
WSGI_APPLICATION = "uplink.wsgi.application"
ASGI_APPLICATION = "uplink.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": RUN_DIR / "db.sqlite3",
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_L10N = True  # deprecated in Django 4.2: the checklist's known issue
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = RUN_DIR / "static"
# deprecated in Django 4.2 (use STORAGES): the checklist's known issue
STATICFILES_STORAGE = "django.contrib.staticfiles.storage.StaticFilesStorage"

ADMINS = [("Uplink QA", "qa@uplink.invalid")]
SERVER_EMAIL = "uplink@uplink.invalid"
# sendtestemail writes the message to its own output: nothing leaves the machine
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 10,
    "DEFAULT_FILTER_BACKENDS": ["rest_framework.filters.SearchFilter"],
}

CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

HUEY = {
    "huey_class": "huey.SqliteHuey",
    "name": "uplink",
    "filename": str(RUN_DIR / "huey.sqlite3"),
    "immediate": False,
    "consumer": {"workers": 1, "worker_type": "thread"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # `run_huey` gives the huey logger its own handler and format; not twice
        "huey": {"handlers": [], "level": "INFO", "propagate": False},
    },
}
