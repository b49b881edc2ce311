"""Latency of the offline responder on a 200-article knowledge base.

    python -m conversations.assistant.benchmark [--articles 200] [--rounds 20]

The index holds the demo articles plus synthetic ones written from the same vocabulary (so
postings are as long as a real store's would be). Each question is answered through the
full responder (parse, search, confidence, excerpt), and the search alone is timed as well.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import Callable

from conversations.assistant.knowledge_base import KnowledgeBaseResponder, load_article_docs
from conversations.assistant.retrieval import ArticleDoc, KnowledgeIndex

TARGET_P99_MICROSECONDS = 5_000

QUESTIONS = (
    "Where is my parcel?",
    "How long does standard delivery take to Canada?",
    "Can I return a sweater I bought three weeks ago?",
    "My refund hasn't shown up yet, I returned it 2 weeks ago",
    "i want assistance to cancel purchase 113542617735902",
    "How can I download an invoice for my order NW-10023?",
    "My card keeps getting declined at checkout",
    "I forgot my password and the reset email never came",
    "how do i unsubscribe from the newsletter",
    "What are your opening hours on Sunday?",
    "I'd like to file a complaint about a late delivery",
    "what's the weather in Paris",
    "how do I bake sourdough",
    "who is the coach of the chicago bulls",
    "i need help modifyingg purchase 00123842 and adding an item",
    "can uhelp me retrieve my user account pin",
)


def synthetic_docs(count: int, seed: int = 7) -> list[ArticleDoc]:
    """The demo articles, then made-up ones mixing their words, up to count articles."""
    demo = load_article_docs()
    vocabulary = [word for doc in demo for word in doc.body.split()]
    randomiser = random.Random(seed)
    docs = list(demo[:count])
    for article_id in range(len(docs) + 1, count + 1):
        title = " ".join(randomiser.choices(vocabulary, k=5))
        paragraphs = [
            " ".join(randomiser.choices(vocabulary, k=randomiser.randint(30, 60)))
            for _ in range(randomiser.randint(2, 4))
        ]
        keywords = tuple(" ".join(randomiser.choices(vocabulary, k=2)) for _ in range(3))
        docs.append(ArticleDoc(article_id, title, "\n\n".join(paragraphs), keywords))
    return docs


def percentiles(samples_seconds: list[float]) -> tuple[float, float]:
    """p50 and p99 in microseconds."""
    cut_points = statistics.quantiles(samples_seconds, n=100, method="inclusive")
    return cut_points[49] * 1e6, cut_points[98] * 1e6


def time_each(call: Callable[[str], object], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        for question in QUESTIONS:
            started = time.perf_counter()
            call(question)
            samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    started = time.perf_counter()
    index = KnowledgeIndex.build(synthetic_docs(args.articles))
    build_ms = (time.perf_counter() - started) * 1e3
    responder = KnowledgeBaseResponder(lambda: index)
    loop = asyncio.new_event_loop()

    def answer(question: str) -> object:
        return loop.run_until_complete(responder.answer(question=question))

    time_each(answer, rounds=2)  # warm-up
    search_p50, search_p99 = percentiles(time_each(index.search, args.rounds))
    answer_p50, answer_p99 = percentiles(time_each(answer, args.rounds))
    loop.close()

    print(f"articles={len(index)} vocabulary={index.vocabulary_size} build={build_ms:.0f} ms")
    print(f"search  p50={search_p50:.0f} us  p99={search_p99:.0f} us")
    print(f"answer  p50={answer_p50:.0f} us  p99={answer_p99:.0f} us")
    verdict = "ok" if answer_p99 <= TARGET_P99_MICROSECONDS else "OVER TARGET"
    print(f"target answer p99 <= {TARGET_P99_MICROSECONDS} us: {verdict}")


if __name__ == "__main__":
    main()
