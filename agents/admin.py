from django.contrib import admin

from agents.models import AgentProfile, CannedReply, Queue, QueueMembership


class MembershipInline(admin.TabularInline):
    model = QueueMembership
    extra = 1


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
        "active",
    ]
    list_editable = ["routing", "active"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


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
