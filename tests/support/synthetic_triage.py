"""Short visitor messages for training small triage models fast (unit and integration tests)."""

SECURITY = [
    "someone hacked my account",
    "my account was hacked",
    "a stranger logged into my account",
    "unknown login on my account from abroad",
    "my password was changed, not by me",
]
HUMAN = [
    "let me talk to a real person",
    "I want to speak with someone from your team",
    "can a human help me",
    "put me through to a representative",
]
ROUTINE = [
    "where is my order",
    "how do I return shoes",
    "do you ship to canada",
    "what sizes do you have",
    "can I pay with paypal",
    "how long is delivery",
]
