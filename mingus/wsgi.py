"""WSGI entry point (gunicorn mingus.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mingus.settings")
application = get_wsgi_application()
