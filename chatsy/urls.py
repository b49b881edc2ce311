from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path

from conversations import views as conversation_views


def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask for /favicon.ico on pages without a <link rel="icon"> (JSON, errors).

    A temporary redirect: browsers would cache a permanent one to a static name that changes."""
    return redirect(static("favicon.svg"))


urlpatterns = [
    path("", conversation_views.demo_store, name="demo-store"),
    path("favicon.ico", favicon, name="favicon"),
    path("help/<slug:slug>/", conversation_views.demo_article, name="demo-article"),
    path("api/widget/session", conversation_views.widget_session, name="widget-session"),
    path("api/widget/config", conversation_views.widget_config, name="widget-config"),
    path("console/", include("agents.urls")),
    path("admin/", admin.site.urls),
]
