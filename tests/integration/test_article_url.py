"""An article's URL is a full http(s) URL or a path on this server ("/help/returns/", the demo's
help centre); model validation and the admin form accept both and refuse paths a browser would
open on another host ("//host", "/\\host")."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conversations.demo.loader import demo_load
from conversations.models import Article
from tests.factories import StaffFactory

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


@pytest.mark.parametrize(
    ("url", "saved"),
    [
        ("/help/returns/", True),
        ("https://shop.example.com/help/returns", True),
        ("", True),
        ("//evil.example/help/", False),
        ("/\\evil.example/help/", False),
    ],
)
def test_the_admin_form_takes_a_path_or_a_full_url_and_refuses_another_hosts_path(
    client, url: str, saved: bool
) -> None:
    client.force_login(StaffFactory(is_superuser=True))
    response = client.post(
        reverse("admin:conversations_article_add"),
        {
            "slug": "returns",
            "title": "Returns",
            "body": "Return within 30 days.",
            "keywords": "",
            "url": url,
            "published": "on",
        },
    )
    stored = Article.objects.filter(slug="returns").values_list("url", flat=True)
    if saved:
        assert response.status_code == 302 and list(stored) == [url]
    else:
        assert response.status_code == 200 and not stored
        assert "A path starts with a single /" in response.content.decode()
