"""Demo logins, printed by `make run`. Local demo only: never load the demo in production."""

DEMO_AGENT = ("agent", "chatsy-agent")
DEMO_ADMIN = ("admin", "chatsy-admin")
