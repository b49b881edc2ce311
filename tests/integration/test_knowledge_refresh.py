"""Editing the knowledge base in admin changes the bot's very next answer, in every process."""

from __future__ import annotations

import asyncio

import pytest

from conversations import knowledge
from conversations.assistant.knowledge_base import KnowledgeBaseResponder
from conversations.knowledge import knowledge_changed, knowledge_index_cached, knowledge_index_fresh
from conversations.models import Article
from tests.factories import ArticleFactory, StaffFactory

pytestmark = pytest.mark.django_db


def ask(question: str):
    knowledge_index_fresh()  # what the bot's turn does before answering
    return asyncio.run(KnowledgeBaseResponder(knowledge_index_cached).answer(question=question))


def test_an_edit_in_admin_is_in_the_next_answer(client):
    article = ArticleFactory(
        slug="gift-wrap",
        title="Gift wrapping",
        body="We gift wrap any order for $4 in kraft paper.",
    )
    assert "$4" in ask("Do you offer gift wrapping?").text

    client.force_login(StaffFactory(is_superuser=True))
    response = client.post(
        f"/admin/conversations/article/{article.pk}/change/",
        {
            "slug": "gift-wrap",
            "title": "Gift wrapping",
            "body": "Gift wrapping is free this month.",
            "keywords": "",
            "published": "on",
        },
    )
    assert response.status_code == 302
    assert "free this month" in ask("Do you offer gift wrapping?").text


def test_an_unpublished_or_deleted_article_is_no_longer_used():
    article = ArticleFactory(
        slug="gift-wrap", title="Gift wrapping", body="We gift wrap any order for $4."
    )
    ArticleFactory(slug="returns", title="Returns", body="Return items within 30 days.")
    assert ask("gift wrapping").sources[0].title == "Gift wrapping"
    # A bulk update sends no signal: the writer says so (or the fingerprint sweep notices).
    Article.objects.filter(pk=article.pk).update(published=False)
    knowledge_changed()
    assert all(source.title != "Gift wrapping" for source in ask("gift wrapping").sources)
    article.delete()
    assert all(source.title != "Gift wrapping" for source in ask("gift wrapping").sources)


def test_a_write_that_sends_no_signal_is_caught_by_the_fingerprint_sweep(monkeypatch):
    article = ArticleFactory(slug="gift-wrap", title="Gift wrapping", body="We gift wrap.")
    assert ask("gift wrapping").sources[0].title == "Gift wrapping"
    Article.objects.filter(pk=article.pk).update(published=False)  # no signal, no bump
    assert ask("gift wrapping").sources[0].title == "Gift wrapping"  # within the sweep interval
    monkeypatch.setattr(knowledge, "FINGERPRINT_SECONDS", 0.0)
    assert all(source.title != "Gift wrapping" for source in ask("gift wrapping").sources)


def test_the_admin_takes_an_article_url_or_a_path_on_this_server_and_refuses_anything_else(
    client,
):
    article = ArticleFactory(slug="gift-wrap", title="Gift wrapping", body="We gift wrap.")
    client.force_login(StaffFactory(is_superuser=True))
    change = f"/admin/conversations/article/{article.pk}/change/"
    fields = {"slug": "gift-wrap", "title": "Gift wrapping", "body": "We gift wrap."}
    for url in ("/help/gift-wrap/", "https://shop.example.com/help/gift-wrap/", ""):
        assert client.post(change, {**fields, "url": url}).status_code == 302, url
        article.refresh_from_db()
        assert article.url == url
    for bad, says in [
        ("javascript:alert(1)", "Enter a full URL (https://…) or a path starting with /."),
        ("help/gift-wrap", "Enter a full URL (https://…) or a path starting with /."),
        ("//evil.example.com/x", "A path starts with a single /"),
        ("/\\evil.example.com/x", "A path starts with a single /"),
    ]:
        refused = client.post(change, {**fields, "url": bad})
        assert refused.status_code == 200, bad
        assert says in refused.content.decode()
        article.refresh_from_db()
        assert article.url == ""
    client.post(change, {**fields, "url": "/help/gift-wrap/"})
    assert 'value="/help/gift-wrap/"' in client.get(change).content.decode()  # shown to edit
