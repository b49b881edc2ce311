"""The console's forms: they validate what an agent posts; the services decide if it may."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.conf import settings
from django.utils import timezone

from agents import presence
from agents.models import AgentProfile, Queue
from agents.selectors.console import TransferTargets
from agents.selectors.history import HistoryFilters
from conversations.models import Conversation
from escalation.learning import EXAMPLE_LABELS
from escalation.models import Outcome

MAX_NOTE_CHARS = 4000


class PresenceForm(forms.Form):
    status = forms.ChoiceField(choices=[(s, s.title()) for s in presence.STATUSES])


class ComposeForm(forms.Form):
    """A reply to the visitor, or an internal note (agents only)."""

    kind = forms.ChoiceField(choices=[("reply", "Reply"), ("note", "Internal note")])
    body = forms.CharField(max_length=settings.CHATSY_MAX_MESSAGE_CHARS, strip=True)


class ResolveForm(forms.Form):
    """Every answer is optional: "Resolve" posts none of them (one click). A verdict left
    empty is stored as NULL, "not reviewed", and counted as such (escalations_unreviewed)."""

    outcome = forms.ChoiceField(
        choices=Outcome.choices, widget=forms.RadioSelect, initial=Outcome.RESOLVED, required=False
    )
    appropriate = forms.TypedChoiceField(
        label="Was this escalation appropriate?",
        choices=[("yes", "Yes"), ("no", "No — the AI could have handled it")],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    handoff_quality = forms.TypedChoiceField(
        label="Handoff quality",
        choices=[(str(n), str(n)) for n in range(1, 6)],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    handoff_comment = forms.CharField(
        label="Comment on the handoff (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_outcome(self) -> str:
        return self.cleaned_data.get("outcome") or Outcome.RESOLVED


class HandBackForm(forms.Form):
    note = forms.CharField(
        label="What did you do? The bot and the visitor will read this.",
        max_length=MAX_NOTE_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TransferForm(forms.Form):
    """`target` is "queue:<slug>" or "agent:<id>", from the choices the selector offers."""

    target = forms.ChoiceField(
        label="Transfer to",
        error_messages={"invalid_choice": "Choose one of the queues or colleagues listed."},
    )
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
        groups = [
            ("Queues", [(f"queue:{q.slug}", _queue_label(q, targets)) for q in targets.queues]),
            ("Agents online", [(f"agent:{a.pk}", a.name) for a in targets.agents]),
        ]
        target.choices = [(label, options) for label, options in groups if options]

    def destination(self) -> Queue | AgentProfile:
        kind, _, key = self.cleaned_data["target"].partition(":")
        if kind == "queue":
            return next(q for q in self.targets.queues if q.slug == key)
        return next(a for a in self.targets.agents if str(a.pk) == key)


def _queue_label(queue: Queue, targets: TransferTargets) -> str:
    """The chat's own queue says so: choosing it puts the chat back in line for a colleague
    (it keeps its wait; auto-assign does not hand it back to the agent who sent it)."""
    if targets.current is not None and queue.pk == targets.current.pk:
        return f"{queue.name} (current queue: back in line for a colleague)"
    return queue.name


class TicketReplyForm(forms.Form):
    """An email reply to the visitor who left a ticket."""

    body = forms.CharField(max_length=10000, strip=True, widget=forms.Textarea(attrs={"rows": 5}))


class TicketFilterForm(forms.Form):
    state = forms.ChoiceField(
        choices=[("open", "Open"), ("done", "Done"), ("all", "All")], required=False
    )
    mine = forms.BooleanField(required=False)


# --- conversation history (docs/console.md, "History") --------------------------------------


SEARCH = forms.TextInput(attrs={"type": "search", "autocomplete": "off"})


class HistoryFilterForm(forms.Form):
    """The history search: every field optional; a wrong one is an error on that field."""

    q = forms.CharField(label="Text in the messages", required=False, max_length=200, widget=SEARCH)
    customer = forms.CharField(
        label="Customer name or email", required=False, max_length=200, widget=SEARCH
    )
    customer_id = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    status = forms.ChoiceField(label="Status", required=False)
    queue = forms.ChoiceField(label="Queue", required=False)
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, queues: list[Queue], **kwargs):
        super().__init__(*args, **kwargs)
        status, queue = self.fields["status"], self.fields["queue"]
        assert isinstance(status, forms.ChoiceField) and isinstance(queue, forms.ChoiceField)
        status.choices = [("", "Any status"), *Conversation.Status.choices]
        queue.choices = [("", "Any queue"), *((q.slug, q.name) for q in queues)]
        for name in ("date_from", "date_to"):
            self.fields[name].error_messages["invalid"] = "Enter a date as YYYY-MM-DD."

    def clean(self):
        data = super().clean() or {}
        first, last = data.get("date_from"), data.get("date_to")
        if first and last and first > last:
            self.add_error("date_to", "The end date is before the start date.")
        return data

    def filters(self) -> HistoryFilters:
        data = self.cleaned_data
        return HistoryFilters(
            text=data["q"],
            customer=data["customer"],
            customer_id=data["customer_id"],
            status=data["status"],
            queue=data["queue"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )


# --- the learning loop's review (docs/escalation.md, "Learning from verdicts") -------------

REVIEW_DEFAULT_DAYS = 30


class ReviewRangeForm(forms.Form):
    """The review's date range, in the site's time zone: `start` to `end` inclusive."""

    start = forms.DateField(required=False)
    end = forms.DateField(required=False)
    # The dashboard's and the weekly review's links: the rows a figure counts, exactly.
    time_zone = forms.CharField(required=False, max_length=64)
    avoidable = forms.BooleanField(required=False)
    category = forms.CharField(required=False, max_length=64)
    rule = forms.CharField(required=False, max_length=64)
    queue = forms.CharField(required=False, max_length=64)
    plan = forms.IntegerField(required=False, min_value=1)

    def clean_time_zone(self) -> str:
        from chatsy.timezones import zone_named

        name = self.cleaned_data["time_zone"].strip()
        if name and zone_named(name) is None:
            raise forms.ValidationError(f"{name!r} is not an IANA time zone (e.g. Europe/Berlin).")
        return name

    def clean(self):
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError("The end date must be on or after the start date.")
        return data

    def filters(self) -> dict:
        """The selector's optional filters (nothing from a form that does not validate)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        keys = ("avoidable", "category", "rule", "queue", "plan")
        return {key: data[key] for key in keys if data.get(key)}

    def bounds(self, *, now: datetime) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes; the last REVIEW_DEFAULT_DAYS days by default; in
        `time_zone` when given (the dashboard's), else the site's."""
        from chatsy.timezones import zone_named

        valid = self.is_bound and self.is_valid()
        name = self.cleaned_data.get("time_zone") if valid else ""
        zone = zone_named(name) if name else timezone.get_current_timezone()
        today = timezone.localtime(now, zone).date()
        data = self.cleaned_data if valid else {}
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=REVIEW_DEFAULT_DAYS - 1)
        return (
            datetime.combine(start, time.min, tzinfo=zone),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
        )


class TriageExampleForm(forms.Form):
    label = forms.ChoiceField(choices=[(label, label) for label in EXAMPLE_LABELS])


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
