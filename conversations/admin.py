from django.contrib import admin

from conversations import services
from conversations.models import Article, Conversation, Customer, Message, Site


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "active", "created"]
    search_fields = ["name", "key"]
    prepopulated_fields = {"key": ["name"]}
    # Shown so the admin can copy it to the site's server; never sent to a browser otherwise.
    readonly_fields = ["identity_secret"]
    actions = ["identity_secret_regenerate"]

    @admin.action(
        description="Regenerate the identity secret (signed-in users stay anonymous "
        "until the site's server uses the new one)"
    )
    def identity_secret_regenerate(self, request, queryset) -> None:
        for site in queryset:
            services.site_identity_secret_regenerate(site=site)
        self.message_user(request, f"New identity secret for {queryset.count()} site(s).")


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "site", "email", "external_id", "last_seen"]
    list_filter = ["site"]
    search_fields = ["name", "email", "external_id"]
    readonly_fields = ["created", "last_seen"]


class MessageInline(admin.TabularInline):
    model = Message
    fields = readonly_fields = ("seq", "sender", "sender_name", "body", "created", "metadata")
    extra = 0
    can_delete = False
    ordering = ["seq"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["public_id", "customer", "site", "status", "last_seq", "updated"]
    list_filter = ["status", "site"]
    search_fields = ["public_id", "customer__name", "customer__email"]
    list_select_related = ["customer", "site"]
    # Status moves only through the services' state machine, never by hand here.
    readonly_fields = ["public_id", "status", "last_seq", "created", "updated"]
    inlines = [MessageInline]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "published", "updated"]
    list_filter = ["published"]
    search_fields = ["title", "body", "keywords"]
    prepopulated_fields = {"slug": ["title"]}
