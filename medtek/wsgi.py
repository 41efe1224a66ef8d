"""WSGI entry point (gunicorn medtek.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medtek.settings")
application = get_wsgi_application()
