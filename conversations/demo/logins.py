"""Demo logins, printed by `make run`. Local demo only: never load the demo in production."""

DEMO_AGENT = ("agent", "chatsy-agent")
DEMO_ADMIN = ("admin", "chatsy-admin")
# First names, shown to visitors ("Sarah joined") and in the console.
DEMO_AGENT_NAME = "Sarah"
DEMO_ADMIN_NAME = "Alex"
