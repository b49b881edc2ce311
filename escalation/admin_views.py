"""Admin pages for the policy: try a message against it, and import/export it as YAML."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from escalation.engine import Decision, Snapshot, decide
from escalation.models import Plan
from escalation.policy import Policy
from escalation.policy_store import plan_spec, policy_from_database, policy_replace
from escalation.policy_yaml import PolicyYamlError, dump_policy_yaml, load_policy_yaml


class TryMessageForm(forms.Form):
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "cols": 80}), max_length=4000)
    confidence = forms.FloatField(
        required=False,
        min_value=0,
        max_value=1,
        help_text="The bot's confidence in its answer (0–1). Leave empty for the pre-answer check.",
    )
    plan = forms.ModelChoiceField(
        Plan.objects.all(), required=False, empty_label="No plan (anonymous)"
    )


class ImportPolicyForm(forms.Form):
    yaml_file = forms.FileField(label="YAML file")


def try_message(request: HttpRequest) -> HttpResponse:
    """Show the Decision and its reasons for any text, with the live policy, before going live."""
    form = TryMessageForm(request.POST or None)
    decision, classifiers = None, []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        plan = plan_spec(data["plan"]) if data["plan"] else None
        snapshot = Snapshot(message=data["message"], plan=plan, confidence=data["confidence"])
        policy = policy_from_database()
        decision = decide(snapshot, policy, timezone.now())
        classifiers = classifier_scores(policy, decision)
    context = {
        **admin.site.each_context(request),
        "title": "Try a message",
        "form": form,
        "decision": decision,
        "classifiers": classifiers,
    }
    return render(request, "admin/escalation/try_message.html", context)


def classifier_scores(policy: Policy, decision: Decision) -> list[dict[str, object]]:
    """Each trained classifier's probability for the message, its thresholds and the words
    that pushed it up: what an admin needs to tune a threshold."""
    if policy.classifier is None or decision.text is None:
        return []
    scores = policy.classifier.score(decision.text, decision.sentiment)
    rows = []
    for label in policy.classifier.labels:
        limits = policy.classifier.threshold(label)
        probability = scores.probability(label)
        rows.append(
            {
                "label": label,
                "probability": probability,
                "offer_at": limits.offer_at,
                "escalate_at": limits.escalate_at,
                "verdict": "escalate"
                if probability >= limits.escalate_at
                else "offer"
                if probability >= limits.offer_at
                else "—",
                "terms": ", ".join(scores.top_terms(label)),
            }
        )
    return rows


def export_policy(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        dump_policy_yaml(policy_from_database()), content_type="application/yaml"
    )
    response["Content-Disposition"] = 'attachment; filename="escalation-policy.yaml"'
    return response


def import_policy(request: HttpRequest) -> HttpResponse:
    """Replace the whole policy from YAML; an invalid file changes nothing and names the line."""
    form = ImportPolicyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            policy = load_policy_yaml(form.cleaned_data["yaml_file"].read().decode("utf-8"))
        except (PolicyYamlError, UnicodeDecodeError) as error:
            form.add_error("yaml_file", str(error))
        else:
            policy_replace(policy)
            messages.success(
                request, f"Imported {len(policy.rules)} rules and {len(policy.plans)} plans."
            )
            return redirect("admin:escalation_escalationrule_changelist")
    context = {
        **admin.site.each_context(request),
        "title": "Import the escalation policy",
        "form": form,
    }
    return render(request, "admin/escalation/import_policy.html", context)
