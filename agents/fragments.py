"""HTML fragments for the console: one selector, one template, a string of out-of-band swaps.

Shared by the views (htmx responses) and the console socket (pushes). Every fragment has a
stable id; appends use `hx-swap-oob="beforeend:#…"` and the console drops ids it already has.
"""

from __future__ import annotations

import uuid

from django.template.loader import render_to_string

from agents import selectors
from agents.models import AgentProfile
from conversations.selectors import conversation_for_console
from escalation.selectors import escalation_get


def queue_panel(*, agent: AgentProfile) -> str:
    return render_to_string(
        "console/_queue_panel.html", {"panel": selectors.queue_panel(agent=agent)}
    )


def chat_opened(*, agent: AgentProfile, public_id: str) -> str:
    """The chat's tab and pane, appended (or nothing, if the agent may not see it)."""
    chat = selectors.chat_view(agent=agent, public_id=public_id)
    if chat is None:
        return ""
    return render_to_string("console/_chat_opened.html", {"chat": chat})


def chat_closed(*, public_id: str) -> str:
    return render_to_string("console/_chat_closed.html", {"public_id": public_id})


def message(*, public_id: str, seq: int) -> str:
    """A new message in an open chat (and, for the visitor's, the card's live sentiment)."""
    stored = selectors.message_get(conversation_public_id=public_id, seq=seq)
    if stored is None:
        return ""
    html = render_to_string(
        "console/_message_append.html", {"message": stored, "public_id": public_id}
    )
    if stored.sender == stored.Sender.CUSTOMER:
        html += render_to_string(
            "console/_sentiment.html",
            {"trend": selectors.sentiment_trend(conversation=stored.conversation)},
        )
    return html


def note(*, note_id: int) -> tuple[str, str]:
    """(the note's conversation public id, its fragment); ("", "") if it is gone."""
    stored = selectors.note_get(note_id=note_id)
    if stored is None:
        return "", ""
    public_id = str(stored.conversation.public_id)
    html = render_to_string("console/_note_append.html", {"note": stored, "public_id": public_id})
    return public_id, html


def typing(*, public_id: str, text: str) -> str:
    return render_to_string("console/_typing.html", {"typing": {"id": public_id, "text": text}})


def chat_status(*, public_id: str) -> str:
    conversation = conversation_for_console(public_id=public_id)
    if conversation is None:
        return ""
    return render_to_string("console/_chat_status.html", {"conversation": conversation})


def summary(*, escalation_id: int) -> tuple[str, str]:
    """(public id, the card's summary) after the LLM summary replaced the extractive one."""
    escalation = escalation_get(escalation_id=escalation_id)
    if escalation is None:
        return "", ""
    html = render_to_string("console/_summary.html", {"escalation": escalation})
    return str(escalation.conversation.public_id), html


def presence_toggle(*, agent: AgentProfile) -> str:
    return render_to_string(
        "console/_presence.html", {"presence": selectors.presence_toggle(agent=agent)}
    )


def supervisor_panels() -> str:
    overview = selectors.supervisor_overview()
    return render_to_string("console/_supervisor_panels.html", {"overview": overview})


def conversation_row(*, public_id: str) -> str:
    conversation = conversation_for_console(public_id=public_id)
    if conversation is None:
        return ""
    return render_to_string("console/_conversation_row_update.html", {"conversation": conversation})


def toast(*, text: str, level: str = "info") -> str:
    context = {"toast": {"id": uuid.uuid4().hex[:12], "text": text, "level": level}}
    return render_to_string("console/_toast.html", context)
