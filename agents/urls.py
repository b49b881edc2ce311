from django.contrib.auth import views as auth_views
from django.urls import path

from agents import views, views_dashboard, views_weekly

app_name = "console"

urlpatterns = [
    path("", views.console, name="home"),
    path("queue/", views.queue_panel, name="queue"),
    path("queue/next/", views.claim_next, name="claim-next"),
    path("queue/<slug:slug>/rows/", views.queue_rows, name="queue-rows"),
    path("presence/", views.presence_update, name="presence"),
    path("supervisor/", views.supervisor, name="supervisor"),
    path(
        "supervisor/<str:kind>/rows/",
        views.supervisor_rows,
        name="supervisor-rows",
    ),
    path("dashboard/", views_dashboard.dashboard, name="dashboard"),
    path("weekly/", views_weekly.weekly_reviews, name="weekly-reviews"),
    path("weekly/<str:week>/", views_weekly.weekly_review, name="weekly-review"),
    path("chats/<uuid:public_id>/", views.chat, name="chat"),
    path("chats/<uuid:public_id>/claim/", views.claim, name="claim"),
    path("chats/<uuid:public_id>/compose/", views.compose, name="compose"),
    path("chats/<uuid:public_id>/resolve/", views.resolve, name="resolve"),
    path("chats/<uuid:public_id>/transfer/", views.transfer, name="transfer"),
    path("chats/<uuid:public_id>/hand-back/", views.hand_back, name="hand-back"),
    path("chats/<uuid:public_id>/observe/", views.observe, name="observe"),
    path("chats/<uuid:public_id>/join/", views.join, name="join"),
    path("chats/<uuid:public_id>/leave/", views.leave, name="leave"),
    path("tickets/", views.tickets, name="tickets"),
    path("tickets/<int:ticket_id>/", views.ticket, name="ticket"),
    path("tickets/<int:ticket_id>/assign/", views.ticket_assign, name="ticket-assign"),
    path("tickets/<int:ticket_id>/reply/", views.ticket_reply, name="ticket-reply"),
    path("tickets/<int:ticket_id>/done/", views.ticket_done, name="ticket-done"),
    path("conversations/", views.conversations, name="conversations"),
    path("conversations/<uuid:public_id>/", views.conversation, name="conversation"),
    path("review/", views.review, name="review"),
    path("review/<int:escalation_id>/article/", views.review_article, name="review-article"),
    path("review/<int:escalation_id>/example/", views.review_example, name="review-example"),
    path("review/<int:escalation_id>/none/", views.review_none, name="review-none"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="console/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
