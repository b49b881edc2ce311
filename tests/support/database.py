"""The test database, as other processes (live servers, helper scripts) must be told it."""

from __future__ import annotations

import os
from urllib.parse import urlsplit


def live_database_url() -> str:
    """A DATABASE_URL naming the test database, for servers the suite runs in other processes.

    Only valid once the test database exists (after `django_db_setup`): Django then points
    settings at it (SQLite: a file under CHATSY_VAR_DIR; PostgreSQL: `test_<name>`).
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{database['NAME']}"
    return urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{database['NAME']}").geturl()
