"""The agent console's pages and actions. Thin: parse, one service or selector, render.

Every POST goes through Django's CSRF check (htmx sends the token once, from `hx-headers` on
<body>). Errors come back as a toast with an honest status code and no swap of the target.
"""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, trigger_client_event
from django_htmx.middleware import HtmxDetails

from agents import fragments, selectors, services
from agents.forms import (
    ComposeForm,
    HandBackForm,
    HistoryFilterForm,
    PresenceForm,
    ResolveForm,
    ReviewRangeForm,
    TicketFilterForm,
    TicketReplyForm,
    TransferForm,
    TriageExampleForm,
)
from agents.models import AgentProfile, Queue
from conversations.lifecycle import InvalidTransition
from conversations.models import Conversation
from conversations.selectors import conversation_get
from escalation import learning
from escalation.models import Escalation

REFUSED = (
    InvalidTransition,
    services.NotAllowed,
    services.NotInYourQueues,
    services.AlreadyTaken,
    services.AtCapacity,
)


class AgentRequest(HttpRequest):
    """The request a console view gets: django-htmx's details and the agent_required profile."""

    agent: AgentProfile
    htmx: HtmxDetails


def agent_required(view):
    """Logged in with an agent profile; the profile rides on request.agent."""

    @wraps(view)
    def wrapper(request: AgentRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("console:login"))
        agent = selectors.agent_for_user(user=request.user)
        if agent is None:
            return render(request, "console/forbidden.html", status=403)
        request.agent = agent
        return view(request, *args, **kwargs)

    return wrapper


def supervisor_required(view):
    @agent_required
    @wraps(view)
    def wrapper(request: AgentRequest, *args, **kwargs) -> HttpResponse:
        if not request.agent.is_supervisor:
            return render(request, "console/forbidden.html", {"supervisors": True}, status=403)
        return view(request, *args, **kwargs)

    return wrapper


# --- pages --------------------------------------------------------------------------------


@require_GET
@agent_required
def console(request: AgentRequest) -> HttpResponse:
    page = selectors.console_page(agent=request.agent)
    return render(request, "console/console.html", {"page": page})


@require_GET
@agent_required
def queue_panel(request: AgentRequest) -> HttpResponse:
    panel = selectors.queue_panel(agent=request.agent)
    return render(request, "console/_queue_panel.html", {"panel": panel})


@require_GET
@agent_required
def queue_rows(request: AgentRequest, slug: str) -> HttpResponse:
    """Show more: the queue's rows after `?after=<the last shown row's cursor>`."""
    html = fragments.queue_more(agent=request.agent, slug=slug, after=request.GET.get("after", ""))
    if html is None:
        return _toast("Could not load more rows: reload the queue.", status=400)
    return HttpResponse(html)


@require_GET
@agent_required
def chat(request: AgentRequest, public_id) -> HttpResponse:
    """The chat with its handoff card: a page, or (htmx) the pane; a chat no longer theirs
    disappears from the console on resync."""
    chat = selectors.chat_view(agent=request.agent, public_id=str(public_id))
    if request.htmx:
        if chat is None:
            return reswap(HttpResponse(fragments.chat_closed(public_id=str(public_id))), "none")
        return render(request, "console/_chat_pane.html", {"chat": chat})
    if chat is None:
        raise Http404("No such chat in your console.")
    return render(request, "console/chat.html", {"chat": chat})


@require_GET
@supervisor_required
def supervisor(request: AgentRequest) -> HttpResponse:
    return render(request, "console/supervisor.html", {"page": selectors.supervisor_page()})


@require_GET
@supervisor_required
def supervisor_rows(request: AgentRequest, kind: str) -> HttpResponse:
    """Show more on the supervisor's lists: queues, agents or conversations after `?after=`."""
    html = fragments.supervisor_more(kind=kind, after=request.GET.get("after", ""))
    if html is None:
        return _toast("Could not load more rows: reload the page.", status=400)
    return HttpResponse(html)


# --- tickets (docs/tickets.md) -----------------------------------------------------------


@require_GET
@agent_required
def tickets(request: AgentRequest) -> HttpResponse:
    """Open (or done, or all) tickets, optionally only mine, soonest follow-up first."""
    form = TicketFilterForm(request.GET)
    state, mine = "open", False
    if form.is_valid():
        state, mine = form.cleaned_data["state"] or "open", form.cleaned_data["mine"]
    page = selectors.tickets_page(agent=request.agent, state=state, mine=mine)
    return render(request, "console/tickets.html", {"page": page})


@require_GET
@agent_required
def ticket(request: AgentRequest, ticket_id: int) -> HttpResponse:
    detail = selectors.ticket_detail(agent=request.agent, ticket_id=ticket_id)
    if detail is None:
        raise Http404("No such ticket.")
    return render(request, "console/ticket.html", {"t": detail, "form": TicketReplyForm()})


@require_POST
@agent_required
def ticket_assign(request: AgentRequest, ticket_id: int) -> HttpResponse:
    services.ticket_assign(ticket=_ticket(request, ticket_id), agent=request.agent)
    return redirect("console:ticket", ticket_id=ticket_id)


@require_POST
@agent_required
def ticket_done(request: AgentRequest, ticket_id: int) -> HttpResponse:
    services.ticket_mark_done(ticket=_ticket(request, ticket_id), agent=request.agent)
    return redirect("console:ticket", ticket_id=ticket_id)


@require_POST
@agent_required
def ticket_reply(request: AgentRequest, ticket_id: int) -> HttpResponse:
    """Email the visitor (Celery, once); the reply is recorded on the ticket."""
    ticket = _ticket(request, ticket_id)
    form = TicketReplyForm(request.POST)
    if form.is_valid():
        try:
            services.ticket_reply(
                ticket=ticket, agent=request.agent, body=form.cleaned_data["body"]
            )
        except ValueError as error:
            form.add_error("body", str(error))
        else:
            return redirect("console:ticket", ticket_id=ticket_id)
    detail = selectors.ticket_detail(agent=request.agent, ticket_id=ticket_id)
    return render(request, "console/ticket.html", {"t": detail, "form": form}, status=400)


def _ticket(request: AgentRequest, ticket_id: int):
    """The ticket if this agent may act on it; another queue's is 404, as chats are."""
    ticket = selectors.ticket_get(agent=request.agent, ticket_id=ticket_id)
    if ticket is None:
        raise Http404("No such ticket.")
    return ticket


# --- actions ------------------------------------------------------------------------------


@require_POST
@agent_required
def presence_update(request: AgentRequest) -> HttpResponse:
    form = PresenceForm(request.POST)
    if not form.is_valid():
        return _toast("Choose online, away or offline.", status=400)
    services.agent_presence_update(agent=request.agent, status=form.cleaned_data["status"])
    return HttpResponse(fragments.presence_toggle(agent=request.agent))


@require_POST
@agent_required
def claim(request: AgentRequest, public_id) -> HttpResponse:
    try:
        services.conversation_claim(agent=request.agent, public_id=str(public_id))
    except (InvalidTransition, services.AlreadyTaken) as refusal:
        # No longer waiting: a row below the live first ones may be stale; take it away.
        response = _toast(str(refusal), status=409)
        response.content += fragments.queue_row_gone(public_id=str(public_id)).encode()
        return response
    except REFUSED as refusal:
        return _toast(str(refusal), status=409)
    response = _opened(request, str(public_id))
    response.content += fragments.queue_row_gone(public_id=str(public_id)).encode()
    return response


@require_POST
@agent_required
def claim_next(request: AgentRequest) -> HttpResponse:
    try:
        conversation = services.conversation_claim_next(agent=request.agent)
    except REFUSED as refusal:
        return _toast(str(refusal), status=409)
    if conversation is None:
        return _toast("No one is waiting in your queues.", status=409, level="info")
    return _opened(request, str(conversation.public_id))


@require_POST
@agent_required
def compose(request: AgentRequest, public_id) -> HttpResponse:
    """A reply to the visitor, or an internal note; either is appended to the transcript."""
    conversation = _conversation(public_id)
    form = ComposeForm(request.POST)
    if not form.is_valid():
        return _toast("Write something first.", status=400, level="info")
    body, agent = form.cleaned_data["body"], request.agent
    try:
        if form.cleaned_data["kind"] == "reply":
            message = services.message_post_agent(conversation=conversation, agent=agent, body=body)
            html = fragments.message(public_id=str(public_id), seq=message.seq)
        else:
            note = services.note_create(conversation=conversation, agent=agent, body=body)
            html = fragments.note(note_id=note.pk)[1]
    except REFUSED as refusal:
        return _toast(str(refusal), status=403)
    return HttpResponse(html)


@require_http_methods(["GET", "POST"])
@agent_required
def resolve(request: AgentRequest, public_id) -> HttpResponse:
    conversation = _conversation_in_console(request, public_id)
    if conversation is None:
        return _toast(GONE, status=404)
    # "Resolve" posts nothing (one click); "Resolve with review…" posts the dialog's answers.
    form = ResolveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.conversation_resolve(
                conversation=conversation, agent=request.agent, **form.cleaned_data
            )
        except REFUSED as refusal:
            return _toast(str(refusal), status=409)
        return _closed(str(public_id), "Resolved. The visitor is asked to rate the chat.")
    return _dialog(request, "console/_resolve_dialog.html", form, conversation)


@require_http_methods(["GET", "POST"])
@agent_required
def transfer(request: AgentRequest, public_id) -> HttpResponse:
    conversation = _conversation_in_console(request, public_id)
    if conversation is None:
        return _toast(GONE, status=404)
    targets = selectors.transfer_targets(conversation=conversation, agent=request.agent)
    form = TransferForm(request.POST or None, targets=targets)
    if request.method == "POST" and form.is_valid():
        destination, note = form.destination(), form.cleaned_data["note"]
        try:
            if isinstance(destination, Queue):
                services.conversation_transfer_to_queue(
                    conversation=conversation, agent=request.agent, queue=destination, note=note
                )
            else:
                services.conversation_transfer_to_agent(
                    conversation=conversation, agent=request.agent, target=destination, note=note
                )
        except REFUSED as refusal:
            return _toast(str(refusal), status=409)
        return _closed(str(public_id), f"Transferred to {destination}.")
    return _dialog(request, "console/_transfer_dialog.html", form, conversation)


@require_http_methods(["GET", "POST"])
@agent_required
def hand_back(request: AgentRequest, public_id) -> HttpResponse:
    conversation = _conversation_in_console(request, public_id)
    if conversation is None:
        return _toast(GONE, status=404)
    form = HandBackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.conversation_hand_back(
                conversation=conversation, agent=request.agent, note=form.cleaned_data["note"]
            )
        except REFUSED as refusal:
            return _toast(str(refusal), status=409)
        return _closed(str(public_id), "Handed back to the bot.")
    return _dialog(request, "console/_hand_back_dialog.html", form, conversation)


@require_POST
@supervisor_required
def observe(request: AgentRequest, public_id) -> HttpResponse:
    services.conversation_observe(conversation=_conversation(public_id), agent=request.agent)
    return HttpResponseClientRedirect(f"{reverse('console:home')}?chat={public_id}")


@require_POST
@supervisor_required
def join(request: AgentRequest, public_id) -> HttpResponse:
    """From the supervisor's list: go to the console; from an observed pane: re-render it."""
    try:
        services.conversation_join(conversation=_conversation(public_id), agent=request.agent)
    except REFUSED as refusal:
        return _toast(str(refusal), status=409)
    if request.htmx.target == f"chat-{public_id}":
        pane = selectors.chat_view(agent=request.agent, public_id=str(public_id))
        return render(request, "console/_chat_pane.html", {"chat": pane})
    return HttpResponseClientRedirect(f"{reverse('console:home')}?chat={public_id}")


@require_POST
@agent_required
def leave(request: AgentRequest, public_id) -> HttpResponse:
    try:
        services.conversation_leave(conversation=_conversation(public_id), agent=request.agent)
    except REFUSED as refusal:
        return _toast(str(refusal), status=409)
    return _closed(str(public_id), "You left the chat.")


# --- helpers ------------------------------------------------------------------------------


def _conversation(public_id) -> Conversation:
    conversation = conversation_get(public_id=public_id)
    if conversation is None:
        raise Http404("No such conversation.")
    return conversation


def _conversation_in_console(request: AgentRequest, public_id) -> Conversation | None:
    """The conversation, if it is open in this agent's console (the service re-checks)."""
    if selectors.chat_access(agent=request.agent, public_id=str(public_id)) is None:
        return None
    return _conversation(public_id)


GONE = "This chat is no longer in your console."


def _opened(request: AgentRequest, public_id: str) -> HttpResponse:
    """The chat's tab and pane, made the active ones by console.js once they are on the page.
    The event fires on receipt: the clicked queue row is gone after the swap, and an event on a
    detached button would never reach the page."""
    response = HttpResponse(fragments.chat_opened(agent=request.agent, public_id=public_id))
    return trigger_client_event(response, "chat-opened", {"id": public_id})


def _closed(public_id: str, text: str) -> HttpResponse:
    html = fragments.chat_closed(public_id=public_id) + fragments.toast(text=text, level="ok")
    return HttpResponse(html)


def _dialog(request: AgentRequest, template: str, form, conversation: Conversation):
    status = 422 if request.method == "POST" else 200
    context = {"dialog": {"form": form, "conversation": conversation}}
    return render(request, template, context, status=status)


def _toast(text: str, *, status: int, level: str = "error") -> HttpResponse:
    return reswap(HttpResponse(fragments.toast(text=text, level=level), status=status), "none")


# --- conversation history (docs/console.md, "History") ------------------------------------


@require_GET
@agent_required
def conversations(request: AgentRequest) -> HttpResponse:
    """Search every conversation the agent may read: the page, or (htmx, from the filter form
    or a page link) only the results. A wrong filter is a 400 that names it."""
    form = HistoryFilterForm(request.GET, queues=selectors.history_queues(agent=request.agent))
    page = None
    if form.is_valid():
        page = selectors.history_page(
            agent=request.agent, filters=form.filters(), page=request.GET.get("page", 1)
        )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    partial = request.htmx and request.htmx.target == "history-results"
    template = "console/_conversation_results.html" if partial else "console/conversations.html"
    return render(request, template, context, status=200 if page else 400)


@require_GET
@agent_required
def conversation(request: AgentRequest, public_id) -> HttpResponse:
    """One conversation, read-only: transcript, escalations, customer and tickets."""
    try:
        record = selectors.conversation_record(agent=request.agent, public_id=str(public_id))
    except selectors.NotVisible:
        return render(request, "console/forbidden.html", {"history": True}, status=403)
    if record is None:
        raise Http404("No such conversation.")
    return render(request, "console/conversation.html", {"record": record})


# --- the learning loop's review (docs/escalation.md, "Learning from verdicts") -------------


@require_GET
@supervisor_required
def review(request: AgentRequest) -> HttpResponse:
    """Escalations judged avoidable or inappropriate, to turn into drafts and examples."""
    form = ReviewRangeForm(request.GET or None)
    start, end = form.bounds(now=timezone.now())
    context = {
        "form": form,
        "rows": learning.review_escalations(start=start, end=end, **form.filters()),
        "labels": learning.EXAMPLE_LABELS,
        "start": start.date(),
        "last": (end - timedelta(days=1)).date(),
    }
    return render(
        request,
        "console/review.html",
        context,
        status=200 if form.is_valid() or not form.is_bound else 400,
    )


@require_POST
@supervisor_required
def review_article(request: AgentRequest, escalation_id: int) -> HttpResponse:
    escalation = _reviewed(escalation_id)
    _, created = learning.article_draft_from_escalation(escalation=escalation)
    text = "Draft article saved: publish it in admin." if created else "The draft exists already."
    return _review_done(request, escalation_id, text)


@require_POST
@supervisor_required
def review_example(request: AgentRequest, escalation_id: int) -> HttpResponse:
    form = TriageExampleForm(request.POST)
    if not form.is_valid():
        return _toast("Choose a label from the list.", status=400)
    return _example_save(request, escalation_id, form.cleaned_data["label"])


@require_POST
@supervisor_required
def review_none(request: AgentRequest, escalation_id: int) -> HttpResponse:
    """One click: the escalating message is a `none` example (the bot should have answered)."""
    return _example_save(request, escalation_id, learning.NONE_LABEL)


def _example_save(request: AgentRequest, escalation_id: int, label: str) -> HttpResponse:
    escalation = _reviewed(escalation_id)
    try:
        example, created = learning.triage_example_save(
            escalation=escalation, label=label, user=request.user
        )
    except learning.ExampleRefused as error:
        return _toast(str(error), status=400)
    text = (
        f"Saved as a “{label}” example for the next retraining."
        if created
        else f"Already saved as a “{example.label}” example."
    )
    return _review_done(request, escalation_id, text)


def _reviewed(escalation_id: int):
    try:
        return learning.review_escalation_get(escalation_id=escalation_id)
    except Escalation.DoesNotExist as error:
        raise Http404("No such escalation to review.") from error


def _review_done(request: AgentRequest, escalation_id: int, text: str) -> HttpResponse:
    if not request.htmx:
        return redirect("console:review")
    context = {
        "row": learning.review_row(escalation_id=escalation_id),
        "labels": learning.EXAMPLE_LABELS,
    }
    html = render_to_string("console/_review_row.html", context, request=request)
    return HttpResponse(html + fragments.toast(text=text, level="ok"))
