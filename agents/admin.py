from django.contrib import admin

from agents.models import AgentProfile, Queue, QueueMembership


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
