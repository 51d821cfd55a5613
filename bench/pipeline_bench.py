"""Pipeline bench: signed batch-ingest throughput, and ingest→card latency at a steady rate.

    python bench/pipeline_bench.py [--pg-url URL] [--rate 50] [--seconds 30] [--ingest 20000]

The bot runs as real subprocesses (``python -m bot serve`` / ``worker``), exactly as deployed;
this process plays the ingester and, through ``tests/bot/fakes.py``, the chat platform's far end,
so both ends of a latency measurement use the same clock.

1. Ingest throughput: ``--ingest`` mentions in signed batches of 500 from 4 concurrent clients,
   pipeline off (HTTP + validation + one transaction per batch). Target ≥ 2,000 mentions/s.
2. End-to-end: one signed mention every 1/rate s for ``--seconds``, with the real classifier;
   latency = card posted at the fake chat − ingest request sent. Target p99 ≤ 2 s, 0 lost.

Both run on SQLite (one process) and on PostgreSQL with 2 worker processes (``serve`` + ``worker``).
PostgreSQL: ``--pg-url`` or ``MENTIONBOT_TEST_PG_URL`` (a scratch database is created and dropped
on that server), else a throwaway cluster is started as in ``.ci/run`` and stopped by its PID.
The classifier is the shipped model; without one, an untrained model of the same architecture
(same compute) is saved to a temporary directory, and the output says so.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack, ExitStack, asynccontextmanager, contextmanager, suppress
from pathlib import Path
from statistics import quantiles
from typing import Any

import aiohttp
from sqlalchemy import text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.bot.fakes

from bot.http.signing import sign
from models.db import create_engine
from tests.bot.fakes import TOKEN, FarEnd, Served

SECRET = "bench-secret"
INGEST_BATCH, INGEST_CLIENTS = 500, 4
TARGET_RATE, TARGET_P99 = 2000.0, 2.0
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def mention(n: int, run: str) -> dict[str, Any]:
    return {
        "source": "bench",
        "external_id": f"{run}-{n}",
        "author": {"id": f"user{n % 500}", "name": f"User {n % 500}"},
        "text": f"@skylark flight SK{n % 900 + 100} delayed again, any news on my bag? #{n}",
        "url": f"https://x.example/{n}",
        "language": "en",
        "created_at": "2025-03-14T09:00:00+00:00",
    }


# ---- databases ------------------------------------------------------------------------------


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """A PostgreSQL cluster like .ci/run's (needs root and Debian's postgresql package)."""
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not bins:
        raise SystemExit("no PostgreSQL: pass --pg-url or install postgresql")
    pgbin = bins[-1].parent
    data = Path(tempfile.mkdtemp(prefix="mentionbot-bench-pg."))
    shutil.chown(data, "postgres", "postgres")
    port = free_port()
    run = ["runuser", "-u", "postgres", "--"]
    initdb = [str(pgbin / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]
    subprocess.run([*run, *initdb], check=True, capture_output=True)
    opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {data} -c max_connections=200"
    pg_ctl = [str(pgbin / "pg_ctl"), "-D", str(data), "-l", str(data / "log"), "-w", "-o", opts]
    subprocess.run([*run, *pg_ctl, "start"], check=True, capture_output=True)
    pid = int((data / "postmaster.pid").read_text().split()[0])
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"
    finally:
        os.kill(pid, signal.SIGINT)
        for _ in range(50):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.2)
        shutil.rmtree(data, ignore_errors=True)


@asynccontextmanager
async def scratch_pg(server_url: str, name: str) -> Any:
    """A fresh database on the server at ``server_url``, dropped afterwards."""
    admin = create_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        await conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        await admin.dispose()


# ---- the bot as subprocesses ----------------------------------------------------------------


class BotProcesses:
    def __init__(self, roles: list[str], env: dict[str, str], port: int, log_dir: Path) -> None:
        self.roles, self.env, self.port, self.log_dir = roles, env, port, log_dir
        self.procs: list[asyncio.subprocess.Process] = []

    async def __aenter__(self) -> BotProcesses:
        for role in self.roles:
            log = (self.log_dir / f"{role}.log").open("ab")
            self.procs.append(
                await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bot", role, env=self.env, stdout=log, stderr=log
                )
            )
        async with aiohttp.ClientSession() as http:
            for _ in range(600):
                with suppress(aiohttp.ClientError):
                    async with http.get(f"http://127.0.0.1:{self.port}/healthz") as resp:
                        if resp.status == 200:
                            await asyncio.sleep(1.0)  # let worker processes finish loading
                            return self
                if any(p.returncode is not None for p in self.procs):
                    raise SystemExit(f"the bot exited; see {self.log_dir}")
                await asyncio.sleep(0.1)
        raise SystemExit(f"the bot did not start; see {self.log_dir}")

    async def __aexit__(self, *exc: object) -> None:
        for proc in self.procs:
            if proc.returncode is None:
                proc.terminate()
        for proc in self.procs:
            await proc.wait()


def bot_env(
    db_url: str, port: int, far_end: str, model: tuple[Path, Path], pipeline: bool
) -> dict[str, str]:
    return os.environ | {
        "MENTIONBOT_DATABASE__URL": db_url,
        "MENTIONBOT_HTTP__PORT": str(port),
        "MENTIONBOT_HTTP__INGEST_SECRET": SECRET,
        "MENTIONBOT_HTTP__MAX_BODY_BYTES": str(4 * 1024 * 1024),
        "MENTIONBOT_PIPELINE__ENABLED": "true" if pipeline else "false",
        "MENTIONBOT_PIPELINE__POLL_INTERVAL_S": "0.2",
        "MENTIONBOT_CHAT__ADAPTER": "webapi",
        "MENTIONBOT_CHAT__CHANNEL": "C-BENCH",
        "MENTIONBOT_CHAT__WEBAPI__BASE_URL": f"{far_end}/api",
        "MENTIONBOT_CHAT__WEBAPI__TOKEN": TOKEN,
        "MENTIONBOT_CLASSIFIER__MODEL_DIR": str(model[0]),
        "MENTIONBOT_CLASSIFIER__ONNX_CACHE_DIR": str(model[1]),
        "MENTIONBOT_CLASSIFIER__THREADS": "1",
        "MENTIONBOT_LOGGING__LEVEL": "WARNING",
    }


# ---- measurements ---------------------------------------------------------------------------


async def measure_ingest(url: str, total: int, run: str) -> float:
    bodies = []
    for start in range(0, total, INGEST_BATCH):
        payload = {"mentions": [mention(n, run) for n in range(start, start + INGEST_BATCH)]}
        bodies.append(json.dumps(payload).encode())
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    accepted = 0

    async def client(http: aiohttp.ClientSession) -> None:
        nonlocal accepted
        while not queue.empty():
            body = queue.get_nowait()
            async with http.post(f"{url}/v1/mentions", data=body, headers=sign(SECRET, body)) as r:
                answer = await r.json()
                assert r.status == 202, answer
                accepted += sum(1 for x in answer["results"] if x["created"])

    async with aiohttp.ClientSession() as http:
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(INGEST_CLIENTS)))
        elapsed = time.perf_counter() - started
    assert accepted == total, (accepted, total)
    return total / elapsed


async def measure_latency(
    url: str, fake: FarEnd, rate: float, seconds: float, run: str
) -> dict[str, Any]:
    total = int(rate * seconds)
    sent: dict[int, float] = {}
    acked: set[int] = set()
    failures = 0

    async def send(http: aiohttp.ClientSession, n: int) -> None:
        nonlocal failures
        body = json.dumps(mention(n, run)).encode()
        t = time.monotonic()
        try:
            async with http.post(f"{url}/v1/mentions", data=body, headers=sign(SECRET, body)) as r:
                answer = await r.json()
        except aiohttp.ClientError:
            failures += 1
            return
        if r.status == 202:
            mid = answer["results"][0]["id"]
            sent[mid] = t
            acked.add(mid)
        else:
            failures += 1

    async with aiohttp.ClientSession() as http:
        start = time.monotonic()
        tasks = []
        for n in range(total):
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send(http, n)))
        await asyncio.gather(*tasks)
    for _ in range(600):  # let the last ones through (at most a minute)
        if acked <= fake.posted_at.keys():
            break
        await asyncio.sleep(0.1)
    latencies = sorted(fake.posted_at[m] - sent[m] for m in acked if m in fake.posted_at)
    cuts = quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "sent": total,
        "acked": len(acked),
        "relayed": len(latencies),
        "lost": len(acked - fake.posted_at.keys()),
        "refused": failures,
        "duplicates": sum(1 for m in acked if fake.posts[m] > 1),
        "p50": cuts[49],
        "p99": cuts[98],
        "max": latencies[-1] if latencies else float("nan"),
    }


async def stage_figures(url: str) -> dict[str, str]:
    """Mean seconds per claimed batch and batches, per stage, from the serve process's
    /metrics (the worker process on PostgreSQL is not included)."""
    async with aiohttp.ClientSession() as http, http.get(f"{url}/metrics") as resp:
        lines = (await resp.text()).splitlines()
    sums: dict[str, float] = {}
    counts: dict[str, float] = {}
    for line in lines:
        for suffix, into in (("_sum", sums), ("_count", counts)):
            prefix = f'mentionbot_stage_seconds{suffix}{{stage="'
            if line.startswith(prefix):
                stage = line[len(prefix) :].split('"')[0]
                into[stage] = float(line.rsplit(" ", 1)[1])
    return {
        s: f"{sums[s] / counts[s] * 1000:.0f} ms x {counts[s]:.0f}" for s in sums if counts.get(s)
    }


def model_files(tmp: Path) -> tuple[tuple[Path, Path], str]:
    from classifiers.config import ARTIFACT_DIR, CONFIG_FILE, ClassifierConfig
    from classifiers.fast import DEFAULT_CACHE_DIR, OnnxMentionClassifier

    if (ARTIFACT_DIR / CONFIG_FILE).is_file():
        OnnxMentionClassifier.from_artifact(ARTIFACT_DIR, DEFAULT_CACHE_DIR, 1)  # build cache
        version = ClassifierConfig.read(ARTIFACT_DIR).version
        return (ARTIFACT_DIR, DEFAULT_CACHE_DIR), f"shipped model {version} (ONNX int8)"
    from classifiers.model import MentionClassifier

    directory, cache = tmp / "model", tmp / "onnx"
    MentionClassifier.fresh(ClassifierConfig(version="untrained-bench")).save(directory)
    OnnxMentionClassifier.from_artifact(directory, cache, 1)
    return (directory, cache), "UNTRAINED model of the shipped architecture (no artifact yet)"


async def run_backend(
    name: str, db: Any, roles: list[str], args: argparse.Namespace, model: tuple[Path, Path],
    log_dir: Path,
) -> dict[str, Any]:  # fmt: skip
    out: dict[str, Any] = {"backend": name, "processes": len(roles)}
    async with AsyncExitStack() as stack:
        fake = FarEnd()
        far_url = await stack.enter_async_context(Served(fake.app()))
        url = await stack.enter_async_context(db(f"mb_bench_ingest_{os.getpid()}"))
        port = free_port()
        env = bot_env(url, port, far_url, model, pipeline=False)
        async with BotProcesses(["serve"], env, port, log_dir):
            out["ingest_per_s"] = await measure_ingest(f"http://127.0.0.1:{port}", args.ingest, "i")
        url = await stack.enter_async_context(db(f"mb_bench_e2e_{os.getpid()}"))
        port = free_port()
        env = bot_env(url, port, far_url, model, pipeline=True)
        async with BotProcesses(roles, env, port, log_dir):
            out |= await measure_latency(
                f"http://127.0.0.1:{port}", fake, args.rate, args.seconds, "e"
            )
            out["stages"] = await stage_figures(f"http://127.0.0.1:{port}")
    return out


async def main_async(args: argparse.Namespace) -> list[dict[str, Any]]:
    results = []
    with tempfile.TemporaryDirectory(prefix="mentionbot-bench.") as tmp_name:
        tmp = Path(tmp_name)
        model, model_note = await asyncio.to_thread(model_files, tmp)
        print(f"classifier: {model_note}; {os.cpu_count()} CPUs; logs in {tmp}/")

        @asynccontextmanager
        async def sqlite_db(name: str) -> Any:
            yield f"sqlite+aiosqlite:///{tmp / name}.db"

        if args.only != "postgresql":
            results.append(await run_backend("sqlite", sqlite_db, ["serve"], args, model, tmp))
            print_row(results[-1], args)
        if args.only == "sqlite":
            return results
        server = args.pg_server

        @asynccontextmanager
        async def pg_db(name: str) -> Any:
            async with scratch_pg(server, name) as url:
                yield url

        roles = ["serve"] + ["worker"] * (args.pg_processes - 1)
        results.append(await run_backend("postgresql", pg_db, roles, args, model, tmp))
        print_row(results[-1], args)
    return results


def print_row(r: dict[str, Any], args: argparse.Namespace) -> None:
    ok_rate = "ok" if r["ingest_per_s"] >= TARGET_RATE else "BELOW TARGET"
    ok_p99 = "ok" if r["p99"] <= TARGET_P99 else "ABOVE TARGET"
    ok_lost = "ok" if r["lost"] == 0 and r["duplicates"] == 0 else "LOST/DUPLICATED"
    print(f"\n{r['backend']} ({r['processes']} bot process{'es' if r['processes'] > 1 else ''})")
    print(f"  ingest throughput   {r['ingest_per_s']:>8,.0f} mentions/s accepted "
          f"({args.ingest:,} in batches of {INGEST_BATCH}, {INGEST_CLIENTS} clients)"
          f"   target ≥ {TARGET_RATE:,.0f}/s: {ok_rate}")  # fmt: skip
    print(f"  ingest→card @ {args.rate:g}/s  p50 {r['p50']:.3f} s  p99 {r['p99']:.3f} s  "
          f"max {r['max']:.3f} s   target p99 ≤ {TARGET_P99:g} s: {ok_p99}")  # fmt: skip
    print(f"  delivery            {r['sent']} sent, {r['acked']} acknowledged, {r['relayed']} "
          f"relayed, {r['lost']} lost, {r['duplicates']} duplicated, {r['refused']} refused"
          f"   target 0 lost: {ok_lost}")  # fmt: skip
    print(f"  per batch (serve)   {', '.join(f'{k} {v}' for k, v in r['stages'].items())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-url", help="PostgreSQL server URL (a scratch database is used)")
    parser.add_argument("--rate", type=float, default=50.0, help="mentions/s for latency")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--ingest", type=int, default=20_000, help="mentions for throughput")
    parser.add_argument("--pg-processes", type=int, default=2, help="bot processes on PostgreSQL")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="run one backend")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    os.chdir(ROOT)
    with ExitStack() as stack:
        args.pg_server = args.pg_url or os.environ.get("MENTIONBOT_TEST_PG_URL")
        if args.pg_server is None and args.only != "sqlite":
            args.pg_server = stack.enter_context(throwaway_cluster())
        results = asyncio.run(main_async(args))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
