from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "agents"
    verbose_name = "Agents and queues"

    def ready(self) -> None:
        from agents import checks, receivers  # noqa: F401  (checks register; logout closes the console)
        from agents.demo import demo_agents_load
        from agents.services.queue import QueueRouting
        from agents.services.tickets import WidgetTickets
        from conversations.demo.loader import demo_seeder_register
        from conversations.hooks import ticket_hooks_install
        from escalation.routing import routing_install

        # Escalations reach the queue through this (escalation.routing): agents sits above.
        routing_install(QueueRouting())
        # The visitor's socket reaches alternatives and tickets through this (conversations.hooks).
        ticket_hooks_install(WidgetTickets())
        demo_seeder_register(demo_agents_load)
