from django.contrib import admin

from agents.models import (
    AgentProfile,
    CannedReply,
    Queue,
    QueueClosure,
    QueueHours,
    QueueMembership,
    Ticket,
    TicketReply,
    WeeklyReview,
)


class MembershipInline(admin.TabularInline):
    model = QueueMembership
    extra = 1


class HoursInline(admin.TabularInline):
    """The weekly schedule, in the queue's time zone; none at all means always open."""

    model = QueueHours
    extra = 0


class ClosureInline(admin.TabularInline):
    """Holidays and special closures."""

    model = QueueClosure
    extra = 0


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "categories",
        "priority",
        "vip_only",
        "routing",
        "max_wait_seconds",
        "alternatives_after_minutes",
        "time_zone",
        "active",
    ]
    list_editable = ["routing", "active"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [HoursInline, ClosureInline, MembershipInline]


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ["__str__", "user", "max_concurrent_chats", "is_supervisor"]
    list_select_related = ["user"]
    inlines = [MembershipInline]


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    """Agents insert these in the console's composer by typing `/` and the shortcut."""

    list_display = ["shortcut", "title", "active"]
    list_editable = ["active"]
    search_fields = ["shortcut", "title", "body"]


class TicketReplyInline(admin.TabularInline):
    model = TicketReply
    extra = 0
    readonly_fields = ["author", "body", "created", "sent_at"]
    can_delete = False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "kind",
        "state",
        "priority",
        "queue",
        "assigned_agent",
        "follow_up_due",
        "created",
    ]
    list_filter = ["state", "kind", "priority", "queue"]
    search_fields = ["contact_name", "contact_email", "contact_phone", "details"]
    list_select_related = ["queue", "assigned_agent__user"]
    raw_id_fields = ["conversation"]
    readonly_fields = ["request_id", "created", "updated", "confirmation_sent_at"]
    inlines = [TicketReplyInline]


@admin.register(WeeklyReview)
class WeeklyReviewAdmin(admin.ModelAdmin):
    """When each week's review went out, and to whom (read-only: the task writes it)."""

    list_display = ("week_start", "time_zone", "built_at", "emailed_at")
    readonly_fields = (
        "week_start",
        "time_zone",
        "built_at",
        "sending_since",
        "emailed_at",
        "recipients",
    )
