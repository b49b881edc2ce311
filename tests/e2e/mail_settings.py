"""Settings for a Daphne child whose email the test reads: Django's file-based backend in the
test's temporary directory (CHATSY_TEST_EMAIL_DIR), and Celery tasks run in the process."""

import os

from chatsy.settings import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["CHATSY_TEST_EMAIL_DIR"]
CELERY_TASK_ALWAYS_EAGER = True
