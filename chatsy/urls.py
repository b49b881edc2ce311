from django.contrib import admin
from django.urls import include, path

from chatsy.views import favicon
from conversations import views as conversation_views

urlpatterns = [
    path("", conversation_views.demo_store, name="demo-store"),
    path("favicon.ico", favicon, name="favicon"),
    path("help/<slug:slug>/", conversation_views.demo_article, name="demo-article"),
    path("api/widget/session", conversation_views.widget_session, name="widget-session"),
    path("api/widget/config", conversation_views.widget_config, name="widget-config"),
    path("console/", include("agents.urls")),
    path("admin/", admin.site.urls),
]
