"""Many slow streams held open at once: does a worker keep pace, and what does a stream cost?

Starts the fake OpenAI server and the backend (one uvicorn worker, or gunicorn with --workers
uvicorn workers), each its own process, then opens C streams at once, each an event every MS ms
for about D seconds, and reads them all to the end. For each event interval it prints: streams
that completed with every event, events received / expected, how far the slowest streams ran past
their nominal length (a worker that cannot keep pace falls behind), the backend's CPU, and its
memory per open stream (RSS with every stream open minus RSS idle, over C).

    .venv/bin/python bench/many_streams.py                                   # 1 worker, 50 ms
    .venv/bin/python bench/many_streams.py --interval 50 100 200 --workers 2

An interval is "held" when every stream completes with every event and the 99th percentile
stream ends within 20% of its nominal length. Everything runs on 127.0.0.1 and every run is
bounded in time.
"""

import argparse
import asyncio
import json
import os
import resource
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

BACKEND_DIR = Path(__file__).resolve().parent.parent / "backend"
sys.path.insert(0, str(BACKEND_DIR))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from turn_stream import start_fake  # noqa: E402

from tests.backend_process import BackendProcess  # noqa: E402
from tests.fixtures.gunicorn_process import GunicornProcess  # noqa: E402

# The fake frames a message with 8 events around the deltas (created ... completed).
_FRAMING_EVENTS = 8
# A stream more than this far past its nominal length means the worker is falling behind.
_LATE_FACTOR = 1.2
_PAGE = os.sysconf("SC_PAGE_SIZE")
_TICKS = os.sysconf("SC_CLK_TCK")


def raise_open_file_limit(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))


def rss_bytes(pid: int) -> int:
    fields = Path(f"/proc/{pid}/statm").read_text().split()
    return int(fields[1]) * _PAGE


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


@dataclass
class Result:
    events: int = 0
    completed: bool = False
    first_byte: float = 0.0
    seconds: float = 0.0

    @property
    def pace(self) -> float:
        """From the first byte to the last: how long the events took to come through."""
        return self.seconds - self.first_byte

    error: str | None = None


@dataclass
class Run:
    interval_ms: int
    streams: int
    expected_events: int
    nominal_seconds: float
    results: list[Result] = field(default_factory=list)
    idle_rss: int = 0
    peak_rss: int = 0
    cpu: float = 0.0
    wall: float = 0.0

    @property
    def ok(self) -> int:
        return sum(r.completed and r.events == self.expected_events for r in self.results)

    def late(self, quantile: float) -> float:
        ordered = sorted(r.pace for r in self.results)
        return ordered[min(len(ordered) - 1, round(quantile * (len(ordered) - 1)))]

    @property
    def held(self) -> bool:
        return self.ok == self.streams and self.late(0.99) <= self.nominal_seconds * _LATE_FACTOR


async def one_stream(session: aiohttp.ClientSession, url: str, body: bytes) -> Result:
    result = Result()
    started = time.perf_counter()
    try:
        async with session.post(url, data=body, headers={"content-type": "application/json"}) as r:
            if r.status != 200:
                result.error = f"status {r.status}"
                return result
            tail = b""
            async for chunk in r.content.iter_any():
                if not result.first_byte:
                    result.first_byte = time.perf_counter() - started
                data = tail + chunk
                result.events += data.count(b"data: ")
                tail = data[-5:]
                if b'"response.completed"' in data:
                    result.completed = True
    except (TimeoutError, aiohttp.ClientError) as exc:
        result.error = type(exc).__name__
    result.seconds = time.perf_counter() - started
    return result


async def sample_rss(pids: list[int], run: Run, stop: asyncio.Event) -> None:
    while not stop.is_set():
        run.peak_rss = max(run.peak_rss, sum(rss_bytes(pid) for pid in pids))
        await asyncio.sleep(0.5)


async def measure(
    url: str,
    pids: list[int],
    streams: int,
    interval: int,
    seconds: float,
    direct: bool = False,
) -> Run:
    deltas = max(1, round(seconds * 1000 / interval))
    messages = [{"role": "user", "content": f"[[synthetic:{deltas}:{interval}]]"}]
    # Straight at the fake, the body is the one the backend would send upstream.
    body = json.dumps(
        {"model": "m", "input": messages, "stream": True} if direct else {"messages": messages}
    )
    run = Run(
        interval,
        streams,
        deltas + _FRAMING_EVENTS,
        (deltas + _FRAMING_EVENTS - 1) * interval / 1000,
    )
    timeout = aiohttp.ClientTimeout(total=run.nominal_seconds * 3 + 60)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await one_stream(session, url, body.replace(f":{interval}]]", ":0]]").encode())
        await asyncio.sleep(1)
        run.idle_rss = sum(rss_bytes(pid) for pid in pids)
        cpu_before = sum(cpu_seconds(pid) for pid in pids)
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample_rss(pids, run, stop))
        started = time.perf_counter()
        run.results = await asyncio.gather(
            *(one_stream(session, url, body.encode()) for _ in range(streams))
        )
        run.wall = time.perf_counter() - started
        stop.set()
        await sampler
        run.cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
    return run


def report(run: Run, label: str) -> None:
    events = sum(r.events for r in run.results)
    errors = [r.error for r in run.results if r.error]
    per_stream = (run.peak_rss - run.idle_rss) / run.streams / 1024
    rate = run.streams * 1000 / run.interval_ms
    print(
        f"\nC={run.streams} streams, an event every {run.interval_ms} ms "
        f"({rate:.0f} events/s offered), nominal {run.nominal_seconds:.1f} s: {label}"
    )
    print(
        f"  complete with every event: {run.ok}/{run.streams}"
        f"{'  errors: ' + ', '.join(sorted(set(errors))) if errors else ''}"
    )
    print(f"  events received: {events}/{run.expected_events * run.streams}")
    print(
        f"  all streams open (first byte) after {max(r.first_byte for r in run.results):.1f} s; "
        f"first byte to last p50 {statistics.median(r.pace for r in run.results):.1f} s, "
        f"p99 {run.late(0.99):.1f} s (nominal {run.nominal_seconds:.1f} s)"
    )
    print(
        f"  server CPU {run.cpu:.1f} s over {run.wall:.1f} s "
        f"({100 * run.cpu / run.wall:.0f}% of one core)"
    )
    print(
        f"  RSS idle {run.idle_rss / 2**20:.1f} MiB, with all streams open "
        f"{run.peak_rss / 2**20:.1f} MiB: {per_stream:.1f} KiB per stream"
    )
    print(f"  held: {'yes' if run.held else 'no'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--interval", type=int, nargs="+", default=[50], help="ms between events")
    parser.add_argument("--seconds", type=float, default=30.0, help="nominal stream length")
    parser.add_argument("--workers", type=int, default=1, help="1: uvicorn; more: gunicorn")
    parser.add_argument(
        "--direct",
        action="store_true",
        help="also straight at the fake: can the harness keep up?",
    )
    args = parser.parse_args()
    raise_open_file_limit(4 * args.streams + 1024)

    # A fresh fake and backend per interval: a worker keeps the memory it once used, so only a
    # fresh one shows what the streams cost.
    for interval in args.interval:
        fake, fake_url = start_fake()
        env = {
            "OPENAI_BASE_URL": f"{fake_url}/v1",
            "OPENAI_MAX_CONNECTIONS": str(2 * args.streams),
        }
        backend: BackendProcess
        if args.workers == 1:
            backend = BackendProcess(env).wait_ready()
            pids = [backend.process.pid]
        else:
            gunicorn = GunicornProcess({**env, "WEB_CONCURRENCY": str(args.workers)}, [])
            backend = gunicorn.wait_for_workers(args.workers)
            pids = gunicorn.workers()
        try:
            url = f"{backend.base_url}/api/turn_response"
            run = measure(url, pids, args.streams, interval, args.seconds)
            report(asyncio.run(run), f"backend, {args.workers} worker(s)")
            if args.direct:
                url = f"{fake_url}/v1/responses"
                run = measure(url, [fake.pid], args.streams, interval, args.seconds, direct=True)
                report(asyncio.run(run), "straight at the fake upstream")
        finally:
            backend.stop()
            fake.terminate()
            fake.wait()


if __name__ == "__main__":
    main()
