from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "agents"
    verbose_name = "Agents and queues"

    def ready(self) -> None:
        from agents import receivers, services  # noqa: F401  (escalations → queue; logout)
