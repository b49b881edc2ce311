"""The escalation app's side of conversations.hooks: the bot's turn, its buttons, and CSAT.

Installed in EscalationConfig.ready(); the visitor's socket calls it by name.
"""

from __future__ import annotations

from conversations.hooks import CsatResult
from conversations.models import Conversation
from escalation import selectors, services, turn


class EscalationVisitorHooks:
    """conversations.hooks.VisitorHooks, implemented by the escalation app."""

    async def bot_reply(self, *, conversation_id: int, message_id: int) -> None:
        await turn.bot_reply(conversation_id=conversation_id, message_id=message_id)

    async def visitor_action(self, *, conversation: Conversation, action: str, seq: int) -> None:
        await turn.visitor_action(conversation=conversation, action=action, seq=seq)

    def csat_pending(self, *, conversation: Conversation) -> bool:
        return selectors.csat_pending(conversation=conversation)

    def csat_record(self, *, conversation: Conversation, score: int, comment: str) -> CsatResult:
        return services.escalation_record_csat(
            conversation=conversation, score=score, comment=comment
        )
