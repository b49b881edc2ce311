"""Security headers Django's SecurityMiddleware does not set."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase


class PermissionsPolicyMiddleware:
    """Permissions-Policy on every response: the browser features our pages may use."""

    async_capable = True
    sync_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if iscoroutinefunction(self):
            return self._acall(request)
        return _with_policy(self.get_response(request))

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        get_response: Callable[[HttpRequest], Awaitable[HttpResponseBase]] = self.get_response
        return _with_policy(await get_response(request))


def _with_policy(response: HttpResponseBase) -> HttpResponseBase:
    if settings.CHATSY_PERMISSIONS_POLICY:
        response.headers.setdefault("Permissions-Policy", settings.CHATSY_PERMISSIONS_POLICY)
    return response


def static_headers_asgi(application: Any) -> Any:
    """Wraps the ASGI static-files handler, which bypasses Django's middleware: /static/
    answers get nosniff (a script or style must be served as one to run as one)."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                if not any(name.lower() == b"x-content-type-options" for name, _ in headers):
                    headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            await send(message)

        await application(scope, receive, send_with_headers)

    return app
