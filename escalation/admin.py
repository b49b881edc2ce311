from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.utils import timezone

from escalation import admin_views
from escalation.model_versions import (
    triage_model_activate,
    triage_model_active,
    triage_model_active_info,
)
from escalation.models import (
    ClassifierThreshold,
    Escalation,
    EscalationRule,
    EscalationSettings,
    HandoffMessage,
    Plan,
    SensitiveProtocol,
    TriageExample,
    TriageModelVersion,
)
from escalation.policy import Category
from escalation.routing import routing

# What a plan may skip the AI for: the specific issues (not a mood, a confidence or the plan).
PLAN_CATEGORIES = [c for c in Category if c not in (Category.NONE, Category.VIP)]


@admin.register(EscalationRule)
class EscalationRuleAdmin(admin.ModelAdmin):
    """Also hosts the policy tools: try a message, YAML export and import."""

    list_display = [
        "key",
        "name",
        "category",
        "action",
        "priority",
        "target_queue",
        "active",
        "order",
    ]
    list_editable = ["active", "order"]
    list_filter = ["category", "action", "priority", "active"]
    search_fields = ["key", "name", "phrases"]
    actions = ["export_yaml"]

    def get_urls(self) -> list[URLPattern]:
        tools = [
            path(
                "try/",
                self.admin_site.admin_view(admin_views.try_message),
                name="escalation_try_message",
            ),
            path(
                "export/",
                self.admin_site.admin_view(admin_views.export_policy),
                name="escalation_policy_export",
            ),
            path(
                "import/",
                self.admin_site.admin_view(admin_views.import_policy),
                name="escalation_policy_import",
            ),
        ]
        return tools + super().get_urls()

    @admin.action(description="Export the whole policy as YAML")
    def export_yaml(self, request: HttpRequest, queryset: QuerySet[EscalationRule]) -> HttpResponse:
        return admin_views.export_policy(request)


class ClassifierThresholdInline(admin.TabularInline):
    """Per-trigger thresholds of the trained classifiers, beside the spec's thresholds."""

    model = ClassifierThreshold
    extra = 0
    verbose_name_plural = (
        "Trained classifier thresholds (empty fields keep the shipped model's values)"
    )
    fields = ["label", "escalate_at", "offer_at", "model_values"]
    readonly_fields = ["model_values"]

    @admin.display(description="active model (escalate / offer)")
    def model_values(self, obj: ClassifierThreshold) -> str:
        if not obj.label:
            return "—"
        limits = triage_model_active().threshold(obj.label)
        return f"{limits.escalate_at:.2f} / {limits.offer_at:.2f}"


@admin.register(EscalationSettings)
class EscalationSettingsAdmin(admin.ModelAdmin):
    inlines = [ClassifierThresholdInline]
    fieldsets = [
        (
            "Confidence bands (Category 2)",
            {"fields": ["respond_above", "check_above", "offer_above"]},
        ),
        (
            "Sentiment (Category 3)",
            {"fields": ["sentiment_escalate_below", "sentiment_offer_below"]},
        ),
        (
            "Repeated failures (Category 5)",
            {
                "fields": [
                    "same_question_count",
                    "same_question_similarity",
                    "not_helpful_count",
                    "unresolved_turns",
                ]
            },
        ),
        ("Routing", {"fields": ["default_queue"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not EscalationSettings.objects.exists()

    def has_delete_permission(
        self, request: HttpRequest, obj: EscalationSettings | None = None
    ) -> bool:
        return False


class PlanForm(forms.ModelForm):
    """The skip-AI categories as checkboxes, the queue as a choice of the existing queues (read
    through escalation.routing: the agents app owns queues)."""

    skip_ai_categories = forms.MultipleChoiceField(
        label="Skip the AI for",
        choices=[(c.value, c.value.replace("_", " ").capitalize()) for c in PLAN_CATEGORIES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Issues of these categories go straight to a person (VIP plans only).",
    )
    dedicated_queue = forms.ChoiceField(
        required=False, help_text="The queue this plan's escalations wait in."
    )

    class Meta:
        model = Plan
        fields = [
            "name",
            "tier",
            "vip",
            "skip_ai_categories",
            "dedicated_queue",
            "priority",
            "proactive_checkin_minutes",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "— the issue's own queue —"), *routing().queue_choices()]
        current = self.instance.dedicated_queue
        if current and current not in dict(choices):  # a queue since deleted: say so
            choices.append((current, f"{current} (no such queue)"))
        self.fields["dedicated_queue"].choices = choices  # type: ignore[attr-defined]

    def clean_dedicated_queue(self) -> str:
        slug: str = self.cleaned_data["dedicated_queue"]
        if slug and slug not in dict(routing().queue_choices()):
            raise forms.ValidationError(f"There is no active queue {slug!r}.")
        return slug


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    form = PlanForm
    list_display = [
        "name",
        "tier",
        "vip",
        "dedicated_queue",
        "priority",
        "proactive_checkin_minutes",
    ]


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = [
        "created",
        "category",
        "sensitive_topic",
        "priority",
        "target_queue",
        "explanation",
        "conversation",
    ]
    list_filter = ["category", "sensitive_topic", "priority", "target_queue"]
    search_fields = ["explanation", "summary"]
    list_select_related = ["conversation"]
    readonly_fields = [field.name for field in Escalation._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(HandoffMessage)
class HandoffMessageAdmin(admin.ModelAdmin):
    """What the visitor reads at the handoff, per escalation reason ({team}, {wait})."""

    list_display = ["__str__", "text", "active"]
    list_editable = ["active"]


@admin.register(SensitiveProtocol)
class SensitiveProtocolAdmin(admin.ModelAdmin):
    """The documented response protocol per sensitive topic: the visitor's text at the
    handoff ({team}, {wait}) and the agent's guidance on the card."""

    list_display = ["__str__", "visitor_text", "active", "updated"]
    list_editable = ["active"]
    fields = ["topic", "visitor_text", "agent_guidance", "active"]


# --- the learning loop (docs/escalation.md, "Learning from verdicts") ---------------------


@admin.register(TriageModelVersion)
class TriageModelVersionAdmin(admin.ModelAdmin):
    """Read-only: versions are made by `escalation_train --with-verdicts`. The changelist
    heads with the active model, the shipped file's when no trained version is active."""

    list_display = ["version", "active", "created_at", "activated_at", "macro_f1", "examples"]
    fields = ["version", "active", "created_at", "activated_at", "examples", "note", "scores"]
    readonly_fields = ["version", "active", "created_at", "activated_at", "examples", "note",
                       "scores"]  # fmt: skip
    change_list_template = "admin/escalation/triagemodelversion/change_list.html"

    actions = ["activate", "use_shipped_model"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_activate_permission(self, request: HttpRequest) -> bool:
        """Swapping the production triage model: superusers, or the model's change
        permission (which the admin's read-only form otherwise never uses)."""
        user = request.user
        return user.is_superuser or user.has_perm("escalation.change_triagemodelversion")

    @admin.action(description="Activate the selected version (one)", permissions=["activate"])
    def activate(self, request: HttpRequest, queryset: QuerySet[TriageModelVersion]) -> None:
        chosen = list(queryset.values_list("version", flat=True)[:2])
        if len(chosen) != 1:
            self.message_user(request, "Select exactly one version to activate.", messages.ERROR)
            return
        triage_model_activate(version=chosen[0], now=timezone.now())
        self.message_user(request, f"Activated {chosen[0]}: every process loads it.")

    @admin.action(
        description="Go back to the shipped model (deactivate every version)",
        permissions=["activate"],
    )
    def use_shipped_model(
        self, request: HttpRequest, queryset: QuerySet[TriageModelVersion]
    ) -> None:
        triage_model_activate(version=None, now=timezone.now())
        self.message_user(request, "The shipped model decides again.")

    def get_queryset(self, request: HttpRequest) -> QuerySet[TriageModelVersion]:
        return super().get_queryset(request).defer("model")  # the weights: megabytes

    @admin.display(description="macro F1 (validation)")
    def macro_f1(self, obj: TriageModelVersion) -> str:
        value = (obj.metrics.get("validation") or {}).get("macro_f1")
        return "—" if value is None else f"{value:.3f}"

    @admin.display(description="validation precision / recall / F1")
    def scores(self, obj: TriageModelVersion) -> str:
        return scores_summary(obj.metrics)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        active = triage_model_active_info()
        context = {"active": active, "active_scores": scores_summary(active.metrics)}
        return super().changelist_view(request, {**(extra_context or {}), **context})


def scores_summary(metrics: dict[str, Any]) -> str:
    """One line per label: "security P 0.950 R 0.927 F1 0.938" (or the shipped file's AUC)."""
    labels = (metrics.get("validation") or {}).get("labels") or metrics.get("labels") or {}
    lines = []
    for label, values in labels.items():
        parts = [
            f"{key} {values[key]:.3f}"
            for key in ("precision", "recall", "f1", "auc")
            if key in values
        ]
        lines.append(f"{label}: {', '.join(parts)}")
    return "\n".join(lines) or "—"


@admin.register(TriageExample)
class TriageExampleAdmin(admin.ModelAdmin):
    list_display = ["text", "label", "conversation", "created_by", "created_at"]
    list_filter = ["label"]
    search_fields = ["text"]
    raw_id_fields = ["conversation", "escalation"]
    readonly_fields = ["created_by", "created_at"]
