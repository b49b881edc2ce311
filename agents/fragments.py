"""HTML fragments for the console: one selector, one template, a string of out-of-band swaps.

Shared by the views (htmx responses) and the console socket (pushes). Every fragment has a
stable id; appends use `hx-swap-oob="beforeend:#…"` and the console drops ids it already has.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.template.loader import render_to_string

from agents import selectors
from agents.models import AgentProfile
from conversations.selectors import conversation_for_console
from escalation.selectors import escalation_get, escalations_unreviewed_count


def queue_panel(*, agent: AgentProfile) -> str:
    return render_to_string(
        "console/_queue_panel.html", {"panel": selectors.queue_panel(agent=agent)}
    )


def queue_changes(
    *, agent: AgentProfile, slug: str, shown: list[str] | None, changed: Iterable[str] = ()
) -> tuple[str, list[str] | None]:
    """What a console showing `shown` (the ids of a queue's first rows, in order) needs to
    show the queue now: the counts, the rows that left, the rows that came in — never more
    than the first rows (CHATSY_CONSOLE_QUEUE_ROWS), however long the queue. `changed`: rows
    whose content changed (the visitor wrote), redrawn where they are. With `shown`
    None (the socket has pushed nothing for it yet) the queue's section is sent whole.
    Returns the fragment and the ids now shown (None: not one of the agent's queues)."""
    panel = selectors.queue_panel(agent=agent)
    section = next((s for s in panel.sections if s.queue.slug == slug), None)
    if section is None:  # no longer theirs: its section goes
        return render_to_string("console/_queue_gone.html", {"slug": slug, "panel": panel}), None
    head = [row.public_id for row in section.rows]
    context: dict = {"panel": panel, "section": section, "limit": panel.limit, "oob": True}
    if shown is None:
        html = render_to_string("console/_queue_summary.html", context)
        return html + render_to_string("console/_queue_section.html", context), head
    left, moved = head_changes(shown, head)
    moved |= set(changed) & set(shown) & set(head)  # redrawn in place: delete, then insert
    pushed_down = selectors.queue_still_waiting(queue=section.queue, public_ids=left)
    rows = {row.public_id: row for row in section.rows}
    gone = [i for i in shown if (i in left and i not in pushed_down) or i in moved]
    context["gone_ids"] = " ".join(f"queue-row-{public_id}" for public_id in gone)
    context["inserts"] = [
        (rows[public_id], head[place - 1] if place else None)
        for place, public_id in enumerate(head)
        if public_id in moved or public_id not in shown
    ]
    return render_to_string("console/_queue_changes.html", context), head


def head_changes(before: list[str], after: list[str]) -> tuple[set[str], set[str]]:
    """(ids no longer in the list, ids still in it whose order changed): the rows kept in
    place are the longest run of `after` already in `before`'s order."""
    now = set(after)
    left = {i for i in before if i not in now}
    position = {public_id: place for place, public_id in enumerate(before)}
    kept = [public_id for public_id in after if public_id in position]
    return left, set(kept) - set(_longest_increasing(kept, key=position.__getitem__))


def _longest_increasing(items: list[str], *, key) -> list[str]:
    """The longest subsequence of `items` whose keys increase (patience sort; N is small)."""
    tails: list[int] = []  # index in items of the smallest tail of each run length
    parent: list[int | None] = []
    for index, item in enumerate(items):
        low, high = 0, len(tails)
        while low < high:
            middle = (low + high) // 2
            if key(items[tails[middle]]) < key(item):
                low = middle + 1
            else:
                high = middle
        parent.append(tails[low - 1] if low else None)
        if low == len(tails):
            tails.append(index)
        else:
            tails[low] = index
    run, at = [], tails[-1] if tails else None
    while at is not None:
        run.append(items[at])
        at = parent[at]
    return run[::-1]


def queue_more(*, agent: AgentProfile, slug: str, after: str) -> str | None:
    """The rows of one of the agent's queues after a row's cursor, for "Show more"; None if
    the cursor is not one or the queue is not theirs."""
    cursor = selectors.parse_queue_cursor(after)
    if cursor is None:
        return None
    section = selectors.queue_section(agent=agent, slug=slug, after=cursor)
    if section is None:
        return None
    return render_to_string("console/_queue_rows_more.html", {"section": section})


def removal(*ids: str) -> str:
    """Removes the elements with these ids if the page has them (console.js): the HTTP answer
    and the socket's push both remove a taken row or a closed chat, and whichever comes second
    finds nothing, which an `hx-swap-oob="delete"` would report as htmx:oobErrorNoTarget.
    `body` is always there to swap into."""
    return render_to_string("console/_removal.html", {"ids": " ".join(ids)})


def queue_row_gone(*, public_id: str) -> str:
    """Takes a row off the agent's queue panel (taken, by them or by someone else)."""
    return removal(f"queue-row-{uuid.UUID(str(public_id))}")


def chat_opened(*, agent: AgentProfile, public_id: str) -> str:
    """The chat's tab and pane, appended (or nothing, if the agent may not see it)."""
    chat = selectors.chat_view(agent=agent, public_id=public_id)
    if chat is None:
        return ""
    return render_to_string("console/_chat_opened.html", {"chat": chat})


def chat_closed(*, public_id: str) -> str:
    """The chat's tab and pane leave the console (the chat is no longer theirs)."""
    return removal(f"tab-{public_id}", f"chat-{public_id}")


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


def supervisor_changes(
    *, sent: dict[str, str] | None, reviews: bool = False
) -> tuple[str, dict[str, str]]:
    """The supervisor's queue and agent rows that differ from `sent` (row id → the HTML last
    pushed). When the rows themselves changed (a queue or agent added, removed, reordered)
    or nothing was sent yet, the panels go whole: still only the first rows of each list.
    `reviews` (an escalation was resolved) adds the count of those not reviewed.
    Returns the fragment and what the page shows now."""
    count = review_count() if reviews else ""
    overview = selectors.supervisor_overview()
    rows: dict[str, str] = {
        f"sup-queue-{queue.queue.slug}": render_to_string(
            "console/_sup_queue_row.html", {"queue": queue, "oob": True}
        )
        for queue in overview.queues.rows
    }
    rows |= {
        f"sup-agent-{row.agent.pk}": render_to_string(
            "console/_sup_agent_row.html", {"row": row, "oob": True}
        )
        for row in overview.agents.rows
    }
    if sent is None or list(sent) != list(rows):
        html = render_to_string("console/_supervisor_panels.html", {"overview": overview})
        return html + count, rows
    return "".join(html for key, html in rows.items() if sent[key] != html) + count, rows


def review_count() -> str:
    """The supervisor's count of resolved escalations not reviewed, swapped in place."""
    return render_to_string(
        "console/_review_count.html", {"unreviewed": escalations_unreviewed_count(), "oob": True}
    )


def supervisor_more(*, kind: str, after: str) -> str | None:
    """The next rows of one supervisor list ("queues", "agents" after a place; "conversations"
    after a row's cursor); None if the list or the cursor is not one."""
    page: selectors.Page | None = None
    place = selectors.cursor_parts(after, 1)
    if kind in ("queues", "agents") and place is not None:
        overview = selectors.queues_overview if kind == "queues" else selectors.agents_overview
        page = overview(offset=place[0])
    elif kind == "conversations":
        page = selectors.live_conversations(before=after)
    if page is None:
        return None
    return render_to_string("console/_supervisor_rows_more.html", {"kind": kind, "page": page})


def conversation_row(*, public_id: str) -> str:
    """The supervisor's fresh row on top, or the row gone once the conversation is no longer
    open (the list shows open conversations only; the History has the rest)."""
    conversation = conversation_for_console(public_id=public_id)
    if conversation is None:
        return ""
    if conversation.status not in selectors.LIVE_STATUSES:
        return removal(f"conv-{conversation.public_id}")
    return render_to_string("console/_conversation_row_update.html", {"conversation": conversation})


def checkin_alert(*, public_id: str, text: str) -> str:
    """A manager's lasting alert (it does not fade like a toast): a VIP waits too long."""
    return render_to_string(
        "console/_checkin_alert.html", {"alert": {"public_id": public_id, "text": text}}
    )


def toast(*, text: str, level: str = "info") -> str:
    context = {"toast": {"id": uuid.uuid4().hex[:12], "text": text, "level": level}}
    return render_to_string("console/_toast.html", context)
