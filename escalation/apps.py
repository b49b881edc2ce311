from django.apps import AppConfig


class EscalationConfig(AppConfig):
    name = "escalation"
    verbose_name = "Escalation"

    def ready(self) -> None:
        from conversations.hooks import hooks_install
        from escalation import receivers  # noqa: F401  (policy cache invalidation)
        from escalation.hooks import EscalationVisitorHooks

        # The visitor's socket reaches the bot's turn and CSAT through this (conversations.hooks).
        hooks_install(EscalationVisitorHooks())
