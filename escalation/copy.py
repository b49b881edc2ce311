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
RESOLVED = (
    "{agent} marked this conversation as resolved. Write again any time if you need more help."
)
CSAT_QUESTION = "How did {agent} do? Rate this chat."
CSAT_GENERIC = "How did we do? Rate this chat."
CSAT_THANKS = "Thanks for your feedback!"
HANDED_BACK = "{agent} handed the conversation back to {bot}. Ask away if there's anything else."
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
CANCEL_WAIT_LABEL = "Cancel and keep chatting with the bot"


def team_name(queue: str) -> str:
    return QUEUE_TEAMS.get(queue, queue.replace("-", " ").replace("_", " "))


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
    try:
        return (template or DEFAULT_HANDOFF).format(**values)
    except (KeyError, IndexError, ValueError):  # a text saved before validation existed
        return DEFAULT_HANDOFF.format(**values)
