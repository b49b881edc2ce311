"""An article's URL is a full http(s) URL or a path on this server ("/help/returns/", the demo's
help centre); model validation accepts both and refuses paths a browser would open on another
host ("//host", "/\\host"). The admin form: test_knowledge_refresh.py."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from conversations.demo.loader import demo_load
from conversations.models import Article

pytestmark = pytest.mark.django_db


def test_the_demos_articles_stored_as_paths_pass_model_validation() -> None:
    demo_load()
    articles = list(Article.objects.all())
    assert articles and all(article.url.startswith("/help/") for article in articles)
    for article in articles:
        article.full_clean()  # a URLField refused every one of them


@pytest.mark.parametrize(
    "url", ["//evil.example/help/", "/\\evil.example/help/", "/help/ x/", "javascript:alert(1)"]
)
def test_a_path_to_another_host_or_a_non_http_url_is_refused(url: str) -> None:
    article = Article(slug="returns", title="Returns", body="Return within 30 days.", url=url)
    with pytest.raises(ValidationError) as raised:
        article.full_clean()
    assert "url" in raised.value.message_dict
