"""The ASGI application: HTTP (Django) and the two websockets (widget, console).

Server-agnostic: Daphne by default, any ASGI server (uvicorn…) can serve it.
"""

import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsy.settings")
django_http = get_asgi_application()  # Sets Django up before the consumers are imported.

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import WebsocketDenier  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402
from django.urls import path  # noqa: E402

from agents.consumers import ConsoleConsumer  # noqa: E402
from chatsy.security import static_headers_asgi  # noqa: E402
from conversations.consumers import VisitorConsumer  # noqa: E402
from conversations.origins import console_origin_allowed, scope_origins  # noqa: E402


class ConsoleOriginValidator:
    """Refuses a console socket unless its Origin is exactly ours (scheme, host and port) or
    one of CSRF_TRUSTED_ORIGINS: another port or scheme of our host is another origin."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        origin, own_origin = scope_origins(scope)
        if not console_origin_allowed(origin=origin, own_origin=own_origin):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)


# django-stubs types path() for Django views only and types-channels' URLRouter wants its own
# pattern type, though Channels documents routing ASGI apps with path(): the two ignores.
websocket_urlpatterns = [
    # The widget runs on other origins: its consumer checks each site's allowed origins.
    path("ws/widget/", VisitorConsumer.as_asgi()),  # type: ignore[arg-type]
    path(
        "ws/console/",
        ConsoleOriginValidator(AuthMiddlewareStack(ConsoleConsumer.as_asgi())),
    ),
]

application = ProtocolTypeRouter(
    {
        # /static/ bypasses Django's middleware: its security headers are added here.
        "http": static_headers_asgi(ASGIStaticFilesHandler(django_http))
        if settings.CHATSY_SERVE_STATIC
        else django_http,
        "websocket": URLRouter(websocket_urlpatterns),  # type: ignore[arg-type]
    }
)
