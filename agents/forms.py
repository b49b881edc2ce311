"""The console's forms: they validate what an agent posts; the services decide if it may."""

from __future__ import annotations

from django import forms
from django.conf import settings

from agents import presence
from agents.models import AgentProfile, Queue
from agents.selectors.console import TransferTargets
from escalation.models import Outcome

MAX_NOTE_CHARS = 4000


class PresenceForm(forms.Form):
    status = forms.ChoiceField(choices=[(s, s.title()) for s in presence.STATUSES])


class ComposeForm(forms.Form):
    """A reply to the visitor, or an internal note (agents only)."""

    kind = forms.ChoiceField(choices=[("reply", "Reply"), ("note", "Internal note")])
    body = forms.CharField(max_length=settings.CHATSY_MAX_MESSAGE_CHARS, strip=True)


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=Outcome.choices, widget=forms.RadioSelect, initial=Outcome.RESOLVED
    )
    appropriate = forms.TypedChoiceField(
        label="Was this escalation appropriate?",
        choices=[("yes", "Yes"), ("no", "No — the AI could have handled it")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    handoff_quality = forms.TypedChoiceField(
        label="Handoff quality",
        choices=[(str(n), str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    handoff_comment = forms.CharField(
        label="Comment on the handoff (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class HandBackForm(forms.Form):
    note = forms.CharField(
        label="What did you do? The bot and the visitor will read this.",
        max_length=MAX_NOTE_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TransferForm(forms.Form):
    """`target` is "queue:<slug>" or "agent:<id>", from the choices the selector offers."""

    target = forms.ChoiceField(label="Transfer to")
    note = forms.CharField(
        label="Note for the next person (agents only)",
        required=False,
        max_length=MAX_NOTE_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, targets: TransferTargets, **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = targets
        target = self.fields["target"]
        assert isinstance(target, forms.ChoiceField)
        target.choices = [
            ("Queues", [(f"queue:{q.slug}", q.name) for q in targets.queues]),
            ("Agents online", [(f"agent:{a.pk}", a.name) for a in targets.agents]),
        ]

    def destination(self) -> Queue | AgentProfile:
        kind, _, key = self.cleaned_data["target"].partition(":")
        if kind == "queue":
            return next(q for q in self.targets.queues if q.slug == key)
        return next(a for a in self.targets.agents if str(a.pk) == key)


class TicketReplyForm(forms.Form):
    """An email reply to the visitor who left a ticket."""

    body = forms.CharField(max_length=10000, strip=True, widget=forms.Textarea(attrs={"rows": 5}))


class TicketFilterForm(forms.Form):
    state = forms.ChoiceField(
        choices=[("open", "Open"), ("done", "Done"), ("all", "All")], required=False
    )
    mine = forms.BooleanField(required=False)


# --- the supervisor dashboard (docs/dashboard.md) ------------------------------------------

MAX_DASHBOARD_DAYS = 366
DASHBOARD_TABLES = (
    "kpis",
    "metrics",
    "per_day",
    "time_to_human",
    "csat",
    "heatmap",
    "reasons",
    "comments",
)


class DashboardFilterForm(forms.Form):
    """The dashboard's period (whole days in a time zone) and filters; empty fields mean the
    last 30 days in the agent's zone, every queue, plan and category."""

    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    time_zone = forms.CharField(required=False, max_length=64, label="Time zone")
    queue = forms.ChoiceField(required=False, choices=[])
    plan = forms.ChoiceField(required=False, choices=[])
    category = forms.ChoiceField(required=False, choices=[])
    format = forms.ChoiceField(required=False, choices=[("", "HTML"), ("csv", "CSV")])
    table = forms.ChoiceField(required=False, choices=[(t, t) for t in DASHBOARD_TABLES])

    def __init__(self, *args, choices: dict[str, list[tuple[str, str]]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, everything in (
            ("queue", "queues"),
            ("plan", "plans"),
            ("category", "categories"),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", f"All {everything}"), *choices[everything]]

    def clean_time_zone(self) -> str:
        from chatsy.timezones import zone_named

        name = self.cleaned_data["time_zone"].strip()
        if name and zone_named(name) is None:
            raise forms.ValidationError(f"{name!r} is not an IANA time zone (e.g. Europe/Berlin).")
        return name

    def clean(self) -> dict:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The end date is before the start date.")
        elif start and end and (end - start).days >= MAX_DASHBOARD_DAYS:
            self.add_error("end", f"Choose at most {MAX_DASHBOARD_DAYS} days.")
        if data.get("format") == "csv" and not data.get("table"):
            self.add_error("table", f"Name a table: {', '.join(DASHBOARD_TABLES)}.")
        return data
