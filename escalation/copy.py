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
NOT_HELPFUL_FOLLOW_UP = "Sorry that didn't help. Could you tell me a little more, or would you like to talk to a person?"
HELPFUL_THANKS = "Glad that helped! Anything else I can do for you?"

ACTION_HELPFUL_YES = {"id": "helpful_yes", "label": "Yes, thanks"}
ACTION_HELPFUL_NO = {"id": "helpful_no", "label": "No"}
ACTION_REQUEST_HUMAN = {"id": "request_human", "label": "Talk to a person"}


def team_name(queue: str) -> str:
    return QUEUE_TEAMS.get(queue, queue.replace("-", " ").replace("_", " "))


def handoff_message(*, queue: str) -> str:
    """The warm handoff: who is coming, that they have the context, what they can do."""
    return (
        f"I'm connecting you with our {team_name(queue)} team. I've shared our conversation "
        "so they'll have full context, and someone will be with you shortly. "
        "Is there anything specific you'd like me to add to the notes for them?"
    )
