"""The console's forms: they validate what an agent posts; the services decide if it may."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.conf import settings
from django.utils import timezone

from agents import presence
from agents.models import AgentProfile, Queue
from agents.selectors.console import TransferTargets
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


# --- the learning loop's review (docs/escalation.md, "Learning from verdicts") -------------

REVIEW_DEFAULT_DAYS = 30


class ReviewRangeForm(forms.Form):
    """The review's date range, in the site's time zone: `start` to `end` inclusive."""

    start = forms.DateField(required=False)
    end = forms.DateField(required=False)

    def clean(self):
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError("The end date must be on or after the start date.")
        return data

    def bounds(self, *, now: datetime) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes; the last REVIEW_DEFAULT_DAYS days by default."""
        zone = timezone.get_current_timezone()
        today = timezone.localtime(now, zone).date()
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=REVIEW_DEFAULT_DAYS - 1)
        return (
            datetime.combine(start, time.min, tzinfo=zone),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
        )


class TriageExampleForm(forms.Form):
    label = forms.ChoiceField(choices=[(label, label) for label in EXAMPLE_LABELS])
