from django.apps import AppConfig


class EscalationConfig(AppConfig):
    name = "escalation"
    verbose_name = "Escalation"

    def ready(self) -> None:
        from escalation import receivers  # noqa: F401  (policy cache invalidation)
