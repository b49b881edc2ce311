"""Writes for agents: the queue (queue.py) and the console's chat handling (chats.py).

Import from here: `from agents import services`.
"""

from agents.services.abandoned import conversation_abandon, queue_abandoned_sweep
from agents.services.chats import (
    NotAllowed,
    conversation_hand_back,
    conversation_join,
    conversation_leave,
    conversation_observe,
    conversation_resolve,
    conversation_transfer_to_agent,
    conversation_transfer_to_queue,
    message_post_agent,
    note_create,
)
from agents.services.checkin import vip_checkin_email_send, vip_checkins_send
from agents.services.queue import (
    FOLLOW_UP_WHEN_QUEUE_DOWN,
    AlreadyTaken,
    AtCapacity,
    NotInYourQueues,
    agent_presence_update,
    agent_release_chats,
    conversation_claim,
    conversation_claim_next,
    conversation_enqueue,
    conversation_requeue,
    participants_clear,
    queue_auto_assign,
    queue_changed,
    queue_positions_broadcast,
    queue_rebuild,
    queue_reconcile,
    queue_sla_watch,
)

__all__ = [
    "vip_checkin_email_send",
    "vip_checkins_send",
    "FOLLOW_UP_WHEN_QUEUE_DOWN",
    "AlreadyTaken",
    "AtCapacity",
    "NotAllowed",
    "NotInYourQueues",
    "agent_presence_update",
    "agent_release_chats",
    "conversation_abandon",
    "conversation_claim",
    "conversation_claim_next",
    "conversation_enqueue",
    "conversation_hand_back",
    "conversation_join",
    "conversation_leave",
    "conversation_observe",
    "conversation_requeue",
    "conversation_resolve",
    "conversation_transfer_to_agent",
    "conversation_transfer_to_queue",
    "message_post_agent",
    "note_create",
    "participants_clear",
    "queue_abandoned_sweep",
    "queue_auto_assign",
    "queue_changed",
    "queue_positions_broadcast",
    "queue_rebuild",
    "queue_reconcile",
    "queue_sla_watch",
]
