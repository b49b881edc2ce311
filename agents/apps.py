from django.apps import AppConfig
from django.core import checks


class AgentsConfig(AppConfig):
    name = "agents"
    verbose_name = "Agents and queues"

    def ready(self) -> None:
        from agents import receivers  # noqa: F401  (logout closes the console)
        from agents.checks import (
            check_public_url,
            check_routing_queues_exist,
            check_weekly_review_settings,
        )
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
        # Every rule and plan routes to an existing queue (agents.W001).
        checks.register(check_routing_queues_exist)
        # The weekly review's day, hour and time zone are valid (agents.E101–E103).
        checks.register(check_weekly_review_settings)
        # The weekly review's links reach the site, not a loopback address (agents.W002).
        checks.register(check_public_url)
