from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "agents"
    verbose_name = "Agents and queues"

    def ready(self) -> None:
        from agents import receivers  # noqa: F401  (logout closes the console)
        from agents.demo import demo_agents_load
        from agents.services.queue import QueueRouting
        from conversations.demo.loader import demo_seeder_register
        from escalation.routing import routing_install

        # Escalations reach the queue through this (escalation.routing): agents sits above.
        routing_install(QueueRouting())
        demo_seeder_register(demo_agents_load)
