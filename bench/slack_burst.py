"""Slack burst bench (issue 5, acceptance 4): a burst of mixed-label mentions through the durable
pipeline (classify → suggest → relay) into the Slack desk and on to a fake Slack that enforces
N messages per second per channel with HTTP 429 + Retry-After.

    python bench/slack_burst.py [--mentions 5000] [--speed 1] [--db sqlite|URL]

Reports the time until every complaint and question card is posted, digest updates, 429s, and
asserts that every mention was relayed exactly once: 0 lost, 0 duplicated.

Time is compressed by ``--speed``: the fake Slack allows ``speed`` messages/s/channel where
Slack allows 1, and the desk paces at the same rate, so one bench second stands for ``speed``
Slack seconds; the output gives both. The classifier is a stub that reads the label the bench
put in the text (the model is not what this bench measures: the Slack path is); suggestions are
off. Everything else is the real code: Store (SQLite by default), ClassifyStage, SuggestStage,
RelayStage, CardDesk and SlackDesk with slack_sdk's AsyncWebClient over HTTP.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from statistics import quantiles

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.chat.desk import CardDesk
from bot.decisions import DecisionService
from bot.metrics import Metrics
from bot.pipeline import Pipeline
from bot.pipeline.classify import ClassifyStage
from bot.pipeline.relay import RelayStage
from bot.pipeline.suggest import SuggestStage
from bot.retry import Backoff
from bot.settings import PipelineSettings
from bot.slack.desk import SlackDesk
from bot.slack.settings import SlackSettings
from bot.suggest import NoSuggestions
from models.domain import LABELS, Label, NewMention, Prediction, Status
from models.store import Store
from tests.bot.fakes import Served
from tests.bot.slack_desk.fake_slack import BOT_TOKEN, FakeSlack

MIX = {
    Label.COMPLAINT: 0.15,
    Label.QUESTION: 0.20,
    Label.PRAISE: 0.20,
    Label.SPAM: 0.25,
    Label.OTHER: 0.20,
}
ROUTES = [
    {"labels": ["complaint"], "languages": ["en"], "channel": "C-COMPLAINTS-EN"},
    {"labels": ["complaint"], "channel": "C-COMPLAINTS"},
    {"labels": ["question"], "languages": ["en"], "channel": "C-QUESTIONS-EN"},
    {"labels": ["question"], "channel": "C-QUESTIONS"},
]
DEFAULT_CHANNEL = "C-SOCIAL"


class StubClassifier:
    """Reads ``[label]`` from the start of the text (instead of running the model)."""

    async def classify(self, texts: Sequence[str]) -> list[Prediction]:
        out = []
        for text in texts:
            label = Label(text[1 : text.index("]")])
            probs = dict.fromkeys(LABELS, 0.02) | {label: 0.92}
            out.append(Prediction(label, 0.92, probs, False, False, "stub"))
        return out


def burst(n: int, seed: int = 5) -> list[NewMention]:
    rng = random.Random(seed)
    labels = rng.choices(list(MIX), weights=list(MIX.values()), k=n)
    now = datetime.now(UTC)
    return [
        NewMention(
            source="x",
            external_id=f"burst-{i}",
            author_id=f"user{i}",
            author_name=f"User {i}",
            text=f"[{label.value}] mention {i} about the brand",
            url=f"https://x.example/status/{i}",
            language=rng.choice(["en", "en", "es", "fr"]),
            created_at=now,
        )
        for i, label in enumerate(labels)
    ]


async def run(args: argparse.Namespace) -> int:
    speed = args.speed
    fake = FakeSlack(rate=1.0 * speed)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db if args.db != "sqlite" else f"sqlite+aiosqlite:///{tmp}/bench.db"
        async with Served(fake.app()) as fake_url, Store.open(url, migrate=True) as store:
            fake.url = fake_url
            return await measure(args, fake, store)


async def measure(args: argparse.Namespace, fake: FakeSlack, store: Store) -> int:
    speed = args.speed
    metrics = Metrics()
    settings = SlackSettings.model_validate(
        {
            "enabled": True,
            "mode": "http",
            "bot_token": BOT_TOKEN,
            "signing_secret": "unused",
            "api_base_url": f"{fake.url}/api/",
            "default_channel": DEFAULT_CHANNEL,
            "routes": ROUTES,
            "pacing": {"per_channel_per_s": 1.0 * speed, "digest_interval_s": 10.0 / speed},
        }
    )
    pipeline_settings = PipelineSettings(poll_interval_s=0.05, batch_size=64)
    desk = SlackDesk(
        settings, store=store, decisions=DecisionService(store, metrics), metrics=metrics
    )
    backoff = Backoff(base=0.2, cap=5.0)
    cards = CardDesk(store, [desk], metrics, backoff, 3, 86_400.0)
    mentions = burst(args.mentions)
    results = await store.ingest(mentions)
    ids = {r.id: m for r, m in zip(results, mentions, strict=True)}
    urgent = {i for i, m in ids.items() if m.text.startswith(("[complaint]", "[question]"))}
    stages = [
        ClassifyStage(store, metrics, pipeline_settings, 0, StubClassifier()),
        SuggestStage(store, metrics, pipeline_settings, 0, NoSuggestions()),
        RelayStage(store, metrics, pipeline_settings, 0, cards, backoff),
    ]
    started = time.monotonic()
    progress = time.monotonic()
    async with desk, Pipeline(stages):
        while True:
            depth = await store.queue_depth()
            if depth[Status.RELAYED] >= len(ids):
                break
            if time.monotonic() - progress > 10:
                progress = time.monotonic()
                print(
                    f"  … {time.monotonic() - started:6.1f}s relayed {depth[Status.RELAYED]}",
                    flush=True,
                )
            if time.monotonic() - started > args.timeout:
                print("TIMEOUT before every mention was relayed", flush=True)
                break
            await asyncio.sleep(0.2)
        all_relayed = time.monotonic() - started
        await asyncio.sleep(2 * settings.pacing.digest_interval_s)  # the last digest update
    return await report(args, fake, store, desk, ids, urgent, started, all_relayed)


async def report(
    args: argparse.Namespace,
    fake: FakeSlack,
    store: Store,
    desk: SlackDesk,
    ids: dict[int, NewMention],
    urgent: set[int],
    started: float,
    all_relayed: float,
) -> int:
    speed = args.speed
    histories = await store.get_mentions(list(ids))
    lost = [
        i for i, h in histories.items() if h.mention.status is not Status.RELAYED or not h.cards
    ]
    duplicated = [i for i, n in fake.posts.items() if n > 1]
    digested = [
        i for i, h in histories.items() if h.cards and h.cards[0].message_ref.startswith("digest:")
    ]
    individually = [i for i in ids if fake.posts[i] == 1]
    missing_urgent = [i for i in urgent if fake.posts[i] != 1]
    times = sorted(fake.posted_at[i] - started for i in urgent if i in fake.posted_at)
    labels = Counter(
        h.mention.label.value if h.mention.label else "none" for h in histories.values()
    )
    per_channel = Counter(m["channel"] for m in fake.messages.values())
    last_urgent = times[-1] if times else float("nan")
    cuts = quantiles(times, n=100) if len(times) > 2 else [float("nan")] * 99
    p50, p99 = cuts[49], cuts[98]

    def both(seconds: float) -> str:
        return f"{seconds:7.1f} s bench = {seconds * speed / 60:6.1f} min at Slack's 1 msg/s"

    print(f"\nSlack burst bench: {len(ids)} mentions, labels {dict(sorted(labels.items()))}")
    print(
        f"time compressed x{speed:g}: the fake Slack enforces {speed:g} msg/s/channel "
        f"(429 + Retry-After) for Slack's 1 msg/s; the desk paces at the same rate"
    )
    print(
        "classifier: a stub reading the label from the text; suggestions off; store: "
        f"{'SQLite' if args.db == 'sqlite' else args.db.split('://')[0]}"
    )
    print(f"channels: {dict(sorted(per_channel.items()))} (messages incl. digests)")
    print(
        f"complaint/question cards posted individually: {len(urgent) - len(missing_urgent)}"
        f"/{len(urgent)}"
    )
    print(f"  time until every complaint/question card was posted: {both(last_urgent)}")
    print(f"  posting time p50 {p50:.1f} s, p99 {p99:.1f} s (bench seconds)")
    print(
        f"low-priority mentions collapsed into digests: {len(digested)}; "
        f"posted individually: {len(individually) - (len(urgent) - len(missing_urgent))}"
    )
    print(
        f"digest messages: {len(fake.digests)}, digest posts+updates at Slack: "
        f"{sum(fake.digests.values())}"
    )
    refused = sum(fake.ratelimited.values())
    print(f"429s received: {desk.ratelimited} (fake Slack refused {refused})")
    print(f"every mention relayed after: {both(all_relayed)}")
    print(f"lost: {len(lost)}, duplicated cards: {len(duplicated)}")
    ok = not lost and not duplicated and not missing_urgent
    assert not lost, f"lost mentions: {lost[:10]}"
    assert not duplicated, f"duplicated cards: {duplicated[:10]}"
    assert not missing_urgent, f"complaints/questions without their own card: {missing_urgent[:10]}"
    return 0 if ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mentions", type=int, default=5000)
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="time compression: fake Slack messages/s/channel (Slack: 1; the default, ~11 min)",
    )
    parser.add_argument("--db", default="sqlite", help="'sqlite' (a temp file) or a URL")
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
