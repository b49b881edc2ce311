"""What the visitor reads at each step of the escalation flow (the spec's wording)."""

from __future__ import annotations

QUEUE_TEAMS = {
    "general": "support",
    "billing": "billing",
    "security": "trust & safety",
    "legal": "legal & compliance",
    "specialists": "specialist",
    "manager": "management",
    "vip": "dedicated VIP",
}

ACKNOWLEDGE_FRUSTRATION = (
    "I can hear that this is frustrating, and I want to make sure you get the help you need. "
    "Would you like me to connect you with a team member who can look into this directly?"
)
DID_THIS_HELP = "Did this help?"
OFFER_HUMAN = "If this doesn't fully answer it, I can connect you with a person."
NOT_HELPFUL_FOLLOW_UP = (
    "Sorry that didn't help. Could you tell me a little more, or would you like to talk to a "
    "person?"
)
HELPFUL_THANKS = "Glad that helped! Anything else I can do for you?"
# A visitor past their handoffs for the hour (settings.CHATSY_BUDGETS["escalation"]).
ESCALATION_LIMIT = (
    "I've already passed this chat to our team several times in the last hour, so I can't "
    "queue it again just now. I'm still here to help: tell me what you need, or try asking "
    "for a person again later."
)

# Turns that are not questions for the knowledge base (escalation.signals.dialogue).
GREETING = (
    "Hi! I'm here to help with orders, delivery, returns, payments and your account. "
    "What can I do for you?"
)
YOU_ARE_WELCOME = "You're welcome! Is there anything else I can help you with?"
GOODBYE = "Thanks for chatting with us. Have a lovely day!"
REPHRASE = "Sorry, could you rephrase that?"
ANYTHING_ELSE = "Sure, what would you like to know?"
NO_PROBLEM = "No problem. If anything else comes up, just write here."
OUT_OF_SCOPE = (
    "I can help with orders, shipping, returns, payments and your account. "
    "If your question is about something else, I can connect you with a person."
)

ACTION_HELPFUL_YES = {"id": "helpful_yes", "label": "Yes, thanks"}
ACTION_HELPFUL_NO = {"id": "helpful_no", "label": "No"}
ACTION_REQUEST_HUMAN = {"id": "request_human", "label": "Talk to a person"}


# What each team can do for the visitor ("Set Expectations on Wait Time": what the human can
# help with), by queue slug; {help} in a handoff text.
QUEUE_HELP = {
    "general": "They'll be able to look into your account and orders and sort this out with you.",
    "billing": "They'll be able to review your account history and process any adjustments.",
    "security": "They'll be able to secure your account and check for any suspicious activity.",
    "legal": "They'll be able to review your request and explain your options.",
    "specialists": "They'll be able to give this the care and attention it needs.",
    "manager": "They'll be able to review what happened and decide how to put it right.",
    "vip": "They'll be able to handle this personally, with your account in front of them.",
}
DEFAULT_HELP = "They'll be able to look into this with you and sort it out."

DEFAULT_HANDOFF = (
    "I'm connecting you with our {team} team. I've shared our conversation so they'll have "
    "full context. Someone should be with you {wait}. {help} "
    "Is there anything specific you'd like me to add to the notes for them?"
)
WAIT_UNKNOWN = "as soon as possible"
# Nobody online to serve the queue: no promise of a wait; the alternatives follow at once.
OFFLINE_HANDOFF = (
    "I've shared our conversation with our {team} team so they'll have full context, but "
    "nobody is available right now, so I can't promise a wait. {help} Leave your email below "
    "and they'll get back to you. Is there anything specific you'd like me to add to the notes "
    "for them?"
)
RESOLVED = (
    "{agent} marked this conversation as resolved. Write again any time if you need more help."
)
CSAT_QUESTION = "How did {agent} do? Rate this chat."
CSAT_GENERIC = "How did we do? Rate this chat."
CSAT_THANKS = "Thanks for your feedback!"
# AI-only CSAT: the bot asks once, after the visitor said thanks or goodbye (bot_rules).
BOT_CSAT_QUESTION = "How did {bot} do? Rate this chat."
HANDED_BACK = "{agent} handed the conversation back to {bot}. Ask away if there's anything else."
HANDED_BACK_SENSITIVE = (
    "{agent} stepped away from this conversation. If you write again, your message goes "
    "straight back to our specialist team."
)
TRANSFERRED_TO_QUEUE = (
    "{agent} is passing you to our {team} team, who will see the whole conversation. "
    "You'll keep your place near the front of the line."
)
TRANSFERRED_TO_AGENT = "{agent} passed the conversation to {other}, who has the full context."
SUPERVISOR_JOINED = "{agent} (supervisor) joined the chat."
# While the visitor waits for a person (agents' queue): each message they write is added to
# the notes the agent reads first, and they hear so, with their place in line.
ADDED_TO_NOTES = "Thanks — I've added that to the notes for our {team} team."
WAIT_CANCELLED = (
    "No problem — I've cancelled the request, so you're no longer waiting in line. "
    "I'm still here: what else can I help you with?"
)
SENSITIVE_WAIT_CANCELLED = (
    "No problem — I've cancelled the request, so you're no longer waiting in line. If you "
    "write again, your message goes straight to our specialist team."
)
CANCEL_WAIT_LABEL = "Cancel and keep chatting with the bot"
# Assigned, but the agent's console has not shown the chat yet (the widget says the same).
AGENT_COMING = "Someone from our team is about to join."


def team_name(queue: str) -> str:
    return QUEUE_TEAMS.get(queue, queue.replace("-", " ").replace("_", " "))


def team_label(queue: str) -> str:
    """The team as the widget names it in its handoff card and header ("billing team")."""
    return f"{team_name(queue)} team"


def team_help(queue: str) -> str:
    return QUEUE_HELP.get(queue, DEFAULT_HELP)


def added_to_notes(*, team: str, place: str = "") -> str:
    """ "Thanks — I've added that to the notes for our billing team. You're 2nd in line, …" """
    return f"{ADDED_TO_NOTES.format(team=team)} {place}".strip()


def wait_words(minutes: tuple[int, int] | None) -> str:
    """ "in about 2–3 minutes" for the handoff message, or a promise without a number."""
    if minutes is None:
        return WAIT_UNKNOWN
    low, high = minutes
    if high <= 1:
        return "in about a minute"
    if low == high or low == 0:
        return f"in about {high} minutes"
    return f"in about {low}–{high} minutes"


def handoff_message(
    *, queue: str, minutes: tuple[int, int] | None = None, template: str | None = None
) -> str:
    """The warm handoff: who is coming, that they have the context, about how long, what they
    can help with, and "anything you'd like me to add?". `template` is the admin's text for
    this reason."""
    values = {"team": team_name(queue), "wait": wait_words(minutes), "help": team_help(queue)}
    if minutes is None and template is None:
        return OFFLINE_HANDOFF.format(**values)
    try:
        return (template or DEFAULT_HANDOFF).format(**values)
    except (KeyError, IndexError, ValueError):  # a text saved before validation existed
        return DEFAULT_HANDOFF.format(**values)


# --- alternatives to waiting and after-hours tickets (agents.services.tickets) ---------------

# Why the widget offers alternatives: the `reason` of the `alternatives` frame.
ALTERNATIVES_INTRO = {
    "closed": (
        "Our support team is offline right now (we're back {back}). Leave your email and I'll "
        "create a priority ticket with all the details from our conversation. You'll receive "
        "an email response within 2 hours of opening."
    ),
    "nobody": (
        "Nobody from our team is available right now. Leave your email and I'll create a "
        "priority ticket with all the details from our conversation; you'll receive an email "
        "response within 2 hours."
    ),
    "long_wait": (
        "The wait is about {minutes} minutes right now. Would you prefer to wait, or should we "
        "get back to you another way?"
    ),
    "max_wait": (
        "Sorry for the long wait. You can keep waiting, or choose another way for us to reach you."
    ),
    "requested": "Here are other ways to reach us. Your place in line is kept until you choose.",
}
ALTERNATIVE_LABELS = {
    "after_hours": "Email me when you're back",
    "callback": "Call me back",
    "email": "Email me instead",
    "scheduled_call": "Schedule a call",
    "message": "Leave a detailed message",
}
CALLBACK_WINDOWS = {
    "asap": "as soon as possible",
    "morning": "in the morning (9 AM–12 PM)",
    "afternoon": "in the afternoon (12–5 PM)",
    "evening": "in the evening (5–8 PM)",
}
# What the visitor is promised, with the follow-up time in their zone: the chat adds
# TICKET_CHAT_TAIL[kind], the confirmation email adds EMAIL_INTRO and EMAIL_FOOTER.
TICKET_CONFIRMED = {
    "after_hours": (
        "Thanks! I've created a priority ticket with all the details from our conversation. "
        "You'll receive an email response at {email} within 2 hours of opening ({back})."
    ),
    # Open, but nobody available: no "opening" to wait for.
    "after_hours_open": (
        "Thanks! I've created a priority ticket with all the details from our conversation. "
        "You'll receive an email response at {email} within 2 hours (by {due})."
    ),
    "callback": "Thanks! We'll call you at {phone} {window} your time, by {due}.",
    "email": "Thanks! We'll email you at {email} by {due}, with the whole conversation in hand.",
    "scheduled_call": "You're booked: we'll call you at {phone} on {slot} your time.",
    "message": "Thanks, your message is with our team. We'll reply to {email} by {due}.",
}
AFTER_HOURS_TAIL = (
    "Is there anything else I can note for them? Everything you write here stays with the "
    "ticket, and I'll answer what I can meanwhile."
)
OTHER_QUESTIONS_TAIL = "Meanwhile I'm still here if you have other questions."
# A sensitive conversation: the bot never answers there (escalation.turn), so no bot promise.
SENSITIVE_TICKET_TAIL = (
    "Anything else you write here stays with the ticket and goes to our specialists."
)
EMAIL_SUBJECT = "We've got your request (ticket #{ticket})"
EMAIL_INTRO = "Hi {name},\n\nThanks for contacting {site}."
EMAIL_FOOTER = (
    "Our conversation is attached to your ticket, so you won't need to repeat yourself.\n\n"
    "— The {site} team"
)


def ticket_chat_tail(kind: str, *, sensitive: bool = False) -> str:
    if sensitive:
        return SENSITIVE_TICKET_TAIL
    return AFTER_HOURS_TAIL if kind.startswith("after_hours") else OTHER_QUESTIONS_TAIL


OFFLINE_WAIT = (
    "{place}. Nobody from our team is available right now: leave your email under "
    "“Other ways to reach us” and we'll follow up."
)
# --- Sensitive topics: the spec's "documented response protocols" ---------------------------
# The defaults of the admin-editable SensitiveProtocol rows (seeded by a migration; used as
# they are here when a topic has no active row). The visitor's text replaces the handoff
# message and takes the same placeholders; the guidance is for the agent, on the card.

SENSITIVE_PROTOCOLS: dict[str, tuple[str, str]] = {
    "health_safety": (
        "If you or anyone else is hurt or in immediate danger, please call your local emergency "
        "number now. I'm passing this straight to a trained specialist on our {team} team, who "
        "will be with you {wait}. They'll see our whole conversation, so you won't need to "
        "repeat yourself. Please don't use the product again until you've spoken to them. From "
        "here on a person, not the bot, will answer you in this chat.",
        "1. Ask first whether anyone is hurt or in danger now; if so, tell them to call local "
        "emergency services and alert your manager. 2. Give no medical advice. 3. Record the "
        "product, the order number and what happened, in the customer's words, and ask them to "
        "keep the product and any photos. 4. Open a product-safety incident. 5. Do not admit "
        "or deny liability. 6. Tell them what happens next and when.",
    ),
    "legal_threat": (
        "I understand you may take legal action, and I want to make sure this reaches the right "
        "people. I'm passing our conversation to a trained specialist on our {team} team, who "
        "will be with you {wait}. From here on a person, not the bot, will answer you in this "
        "chat.",
        "1. Stay calm, factual and courteous; don't argue the merits. 2. Do not admit "
        "liability, speculate or promise compensation. 3. Record the order details, what went "
        "wrong and what the customer wants. 4. If they name a lawyer, a court or a regulator, "
        "transfer the chat to Legal & compliance with a note. 5. Tell them when they will hear "
        "back and how.",
    ),
    "harassment": (
        "Thank you for telling us. We take reports of harassment seriously. I'm passing this to "
        "a trained specialist on our {team} team, who will be with you {wait}. They'll see our "
        "whole conversation, so you won't need to repeat yourself. If you are in danger right "
        "now, please contact your local emergency services. From here on a person, not the "
        "bot, will answer you in this chat.",
        "1. Thank them and believe them; don't ask them to justify or repeat themselves. "
        "2. Ask whether they are safe now. 3. Record who, when and where, and any evidence "
        "(messages, order or delivery numbers). 4. Don't contact the person they report from "
        "this chat. 5. File a trust & safety report and tell them what happens next and when.",
    ),
    "accessibility": (
        "Thank you for letting us know, and I'm sorry this got in your way. I'm passing this to "
        "a trained specialist on our {team} team, who will be with you {wait} to help you "
        "finish what you came to do and to report the problem so it gets fixed. From here on a "
        "person, not the bot, will answer you in this chat.",
        "1. Offer to complete the task for them now (order by chat or phone, hold the price, "
        "extend any deadline). 2. Never question the need. 3. Record the page, the device and "
        "any assistive technology (screen reader, magnifier, keyboard only, captions). "
        "4. File an accessibility bug and tell them you have.",
    ),
    "privacy": (
        "Your privacy concern is logged. I'm passing this to a trained specialist on our "
        "{team} team, who will be with you {wait}; they can also handle requests to see, "
        "correct or delete your data. Please don't share passwords or full card numbers in "
        "this chat. From here on a person, not the bot, will answer you in this chat.",
        "1. Verify the customer's identity before discussing any account data. 2. Log the "
        "request (access, correction, deletion, or a suspected leak) with today's date: "
        "statutory deadlines (e.g. one month under the GDPR) run from today. 3. Report a "
        "suspected data breach to the data protection officer at once. 4. Tell them what "
        "happens next and when.",
    ),
    "other": (
        "Thank you for telling us. I'm passing this to a trained specialist on our {team} "
        "team, who will be with you {wait}. They'll see our whole conversation, so you won't "
        "need to repeat yourself. From here on a person, not the bot, will answer you in this "
        "chat.",
        "Handle with care: acknowledge the concern, record the facts in the customer's words, "
        "escalate to your manager if anyone may be at risk, and tell them what happens next.",
    ),
}
# A sensitive conversation's later messages (after a hand-back or a resolve): back to the
# specialists, with a short acknowledgement rather than the whole protocol again.
SENSITIVE_FOLLOW_UP = (
    "Thanks, I've passed your message to our {team} team. A specialist will reply {wait}; "
    "in this conversation a person, not the bot, answers you."
)
# ...when the visitor is past their handoffs for the hour: still no bot answer.
SENSITIVE_ESCALATION_LIMIT = (
    "Your message is saved with this conversation, but I've passed it to our specialists "
    "several times in the last hour and can't queue it again just now. Please write again in "
    "a little while and it will go straight to a specialist."
)


def sensitive_protocol(topic: str) -> tuple[str, str]:
    """The built-in (visitor text, agent guidance) for a topic; "other"'s for an unknown one."""
    return SENSITIVE_PROTOCOLS.get(topic, SENSITIVE_PROTOCOLS["other"])
