"""The escalation app's side of conversations.hooks: the bot's turn, its buttons, and CSAT.

Installed in EscalationConfig.ready(); the visitor's socket calls it by name.
"""

from __future__ import annotations

from typing import Any

from conversations.hooks import BotTurn, CsatResult
from conversations.models import Conversation, Message
from escalation import selectors, services, turn
from escalation.routing import routing


class EscalationVisitorHooks:
    """conversations.hooks.VisitorHooks, implemented by the escalation app."""

    def bot_turn_read(self, *, message: Message) -> turn.TurnContext:
        return turn.turn_read(message=message)

    async def bot_turn(self, context: BotTurn) -> None:
        assert isinstance(context, turn.TurnContext)  # made by bot_turn_read above
        await turn.bot_turn(context)

    async def bot_reply(self, *, conversation_id: int, message_id: int) -> None:
        await turn.bot_reply(conversation_id=conversation_id, message_id=message_id)

    async def visitor_action(self, *, conversation: Conversation, action: str, seq: int) -> None:
        await turn.visitor_action(conversation=conversation, action=action, seq=seq)

    def queue_state(self, *, conversation: Conversation) -> dict[str, Any] | None:
        return routing().queue_state(conversation=conversation)

    def waiting_message(self, *, message: Message) -> None:
        services.waiting_message_acknowledge(message=message)

    def wait_cancel(self, *, conversation: Conversation) -> bool:
        return services.escalation_wait_cancel(conversation=conversation)

    def csat_pending(self, *, conversation: Conversation) -> bool:
        return selectors.csat_pending(conversation=conversation) or selectors.bot_csat_pending(
            conversation=conversation
        )

    def csat_record(self, *, conversation: Conversation, score: int, comment: str) -> CsatResult:
        return services.visitor_record_csat(conversation=conversation, score=score, comment=comment)
