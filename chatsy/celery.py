"""The Celery app: summaries, tickets, SLA watch, reconcilers and roll-ups run here."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsy.settings")

app = Celery("chatsy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
