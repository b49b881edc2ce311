"""The demo store's data: a site, its knowledge base, and (from the apps that register a
seeder) demo logins for the console/admin."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from django.db import transaction

from conversations.models import Article, Site

ARTICLES_FILE = Path(__file__).with_name("kb_articles.json")
DEMO_SITE_KEY = "demo-store"
# Apps above conversations add their demo rows here from AppConfig.ready() (agents.demo):
# conversations may not import them (docs/architecture.md, "Layers").
_seeders: list[Callable[[], None]] = []


def demo_seeder_register(seed: Callable[[], None]) -> None:
    if seed not in _seeders:
        _seeders.append(seed)


DEMO_ORIGINS = ["http://localhost:8000", "http://127.0.0.1:8000", "http://localhost:8001"]


@transaction.atomic
def demo_load(*, extra_origins: Sequence[str] = ()) -> dict[str, object]:
    site, _ = Site.objects.update_or_create(
        key=DEMO_SITE_KEY,
        defaults={
            "name": "Northwind Goods",
            "allowed_origins": "\n".join([*DEMO_ORIGINS, *extra_origins]),
        },
    )
    articles = json.loads(ARTICLES_FILE.read_text(encoding="utf-8"))
    # The demo store's help centre is served by Chatsy itself (/help/<slug>/): stored as a path,
    # an answer's "Read more" link is made absolute on CHATSY_PUBLIC_URL (`make run` sets it to
    # http://127.0.0.1:$PORT).
    for article in articles:
        Article.objects.update_or_create(
            slug=article["slug"],
            defaults={
                "title": article["title"],
                "body": article["body"],
                "keywords": ", ".join(article.get("keywords", [])),
                "url": f"/help/{article['slug']}/",
                "published": True,
            },
        )
    for seed in _seeders:  # the apps above conversations: agents' queues and logins
        seed()
    return {"site": site.name, "articles": len(articles)}
