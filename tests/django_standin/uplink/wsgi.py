"""WSGI entry point, served by Gunicorn (plain HTTP: pages, the admin, the API)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "uplink.settings")
application = get_wsgi_application()
