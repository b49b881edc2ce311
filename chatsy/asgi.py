"""The ASGI application: HTTP (Django) and the two websockets (widget, console).

Server-agnostic: Daphne by default, any ASGI server (uvicorn…) can serve it.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsy.settings")
django_http = get_asgi_application()  # Sets Django up before the consumers are imported.

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402
from django.urls import path  # noqa: E402

from agents.consumers import ConsoleConsumer  # noqa: E402
from conversations.consumers import VisitorConsumer  # noqa: E402

# django-stubs types path() for Django views only and types-channels' URLRouter wants its own
# pattern type, though Channels documents routing ASGI apps with path(): the two ignores.
websocket_urlpatterns = [
    # The widget runs on other origins: its consumer checks each site's allowed origins.
    path("ws/widget/", VisitorConsumer.as_asgi()),  # type: ignore[arg-type]
    path(
        "ws/console/",
        AllowedHostsOriginValidator(AuthMiddlewareStack(ConsoleConsumer.as_asgi())),
    ),
]

application = ProtocolTypeRouter(
    {
        "http": ASGIStaticFilesHandler(django_http)
        if settings.CHATSY_SERVE_STATIC
        else django_http,
        "websocket": URLRouter(websocket_urlpatterns),  # type: ignore[arg-type]
    }
)
