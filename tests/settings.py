"""The test suite's settings: chatsy.settings as production runs it (DEBUG off), on plain http.

The environment is set first, so every process the suite starts (Daphne, Celery: they inherit
os.environ and load chatsy.settings) shares the same SECRET_KEY and http-only setup.
"""

import os

from chatsy.localenv import plain_http_env_apply

plain_http_env_apply(os.environ)
# Not a loopback address: `check` warns about one when DEBUG is off (agents.W002).
os.environ.setdefault("CHATSY_PUBLIC_URL", "http://chatsy.test")

from chatsy.settings import *  # noqa: E402, F403
