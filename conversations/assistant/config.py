"""The assistant's configuration: which responder answers, and the LLM's settings.

Everyone who needs the LLM (the bot's turn, the handoff summary, `escalation_eval`) reads
it here, so the settings have one reader.
"""

from __future__ import annotations

from django.conf import settings

from conversations.assistant.base import Responder
from conversations.assistant.knowledge_base import KnowledgeBaseResponder
from conversations.assistant.llm import LLMConfig
from conversations.assistant.openai_responder import OpenAIResponder
from conversations.knowledge import knowledge_index_cached


def llm_config() -> LLMConfig:
    """The LLM's key, server, model and deadlines, from settings (env-driven)."""
    return LLMConfig(
        api_key=settings.OPENAI_API_KEY,
        base_url=settings.OPENAI_BASE_URL,
        model=settings.OPENAI_MODEL,
        first_token_timeout=settings.CHATSY_LLM_FIRST_TOKEN_SECONDS,
        total_timeout=settings.CHATSY_LLM_TOTAL_SECONDS,
    )


def responder_primary() -> Responder:
    """OpenAI (or any compatible server) when a key is set; else the offline knowledge base."""
    config = llm_config()
    if config.configured:
        return OpenAIResponder(knowledge_index_cached, config)
    return responder_offline()


def responder_offline() -> Responder:
    """The knowledge base alone: no network, and the fallback when the LLM fails."""
    return KnowledgeBaseResponder(knowledge_index_cached, link_base=_public_url)


def _public_url() -> str:
    """Where an article URL stored as a path points: the one address people reach this server
    at, the same in the widget, the console and a transcript email (the stored message)."""
    return settings.CHATSY_PUBLIC_URL
