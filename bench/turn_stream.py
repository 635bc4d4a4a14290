"""Throughput and first-byte latency of POST /api/turn_response against the fake upstream.

Starts the fake OpenAI server and one uvicorn worker of the backend (each its own process), then
runs the same streams twice: through the backend, and straight at the fake. Prints events/s for
both and their ratio, and first-byte latency p50/p99 for both.

    .venv/bin/python bench/turn_stream.py                      # C=1 latency, then C=100 N=200
    .venv/bin/python bench/turn_stream.py --concurrency 100 --events 200 --rounds 3

First-byte latency is judged at C=1: at C=100 every stream starts at once, and the median then
measures queueing in front of a busy process rather than what the backend adds.
"""

import argparse
import asyncio
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

BACKEND_DIR = Path(__file__).resolve().parent.parent / "backend"
sys.path.insert(0, str(BACKEND_DIR))

from tests.backend_process import BackendProcess  # noqa: E402
from tests.fakes.server import bind_free_port  # noqa: E402


@dataclass
class Run:
    events: int
    seconds: float
    first_bytes: list[float]

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds

    def first_byte_ms(self, quantile: float) -> float:
        ordered = sorted(self.first_bytes)
        index = min(len(ordered) - 1, round(quantile * (len(ordered) - 1)))
        return ordered[index] * 1000


def start_fake() -> tuple[subprocess.Popen[bytes], str]:
    sock = bind_free_port()
    port = sock.getsockname()[1]
    sock.close()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.openai_server", "--port", str(port)],
        cwd=BACKEND_DIR,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with bind_free_port() as probe:
                probe.connect(("127.0.0.1", port))
                return process, url
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("fake upstream did not start")


async def one_stream(
    session: aiohttp.ClientSession, url: str, body: bytes, separator: bytes
) -> tuple[int, float]:
    started = time.perf_counter()
    first_byte = 0.0
    count = 0
    tail = b""
    async with session.post(url, data=body, headers={"content-type": "application/json"}) as resp:
        if resp.status != 200:
            raise RuntimeError(f"{url} answered {resp.status}: {await resp.text()}")
        async for chunk in resp.content.iter_any():
            if not first_byte:
                first_byte = time.perf_counter() - started
            data = tail + chunk
            count += data.count(separator)
            tail = data[-(len(separator) - 1) :]
    return count, first_byte


def bodies(events: int) -> tuple[bytes, bytes]:
    """The request to the backend, and the one it makes upstream, for a stream of N events."""
    # The fake adds the 9 events that frame a message (created ... completed) to the deltas.
    messages = [{"role": "user", "content": f"[[synthetic:{max(1, events - 9)}:0]]"}]
    to_backend = {"messages": messages}
    to_upstream = {"model": "gpt-5.2", "input": messages, "stream": True}
    return json.dumps(to_backend).encode(), json.dumps(to_upstream).encode()


async def drive(url: str, body: bytes, concurrency: int, rounds: int, separator: bytes) -> Run:
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        await one_stream(session, url, body, separator)  # warm-up: connections, imports
        total, first_bytes = 0, []
        started = time.perf_counter()
        for _ in range(rounds):
            results = await asyncio.gather(
                *(one_stream(session, url, body, separator) for _ in range(concurrency))
            )
            total += sum(count for count, _ in results)
            first_bytes += [first for _, first in results]
        return Run(total, time.perf_counter() - started, first_bytes)


def report(label: str, backend: Run, direct: Run) -> None:
    print(f"\n{label}")
    print(f"  {'':10} {'events/s':>10} {'first byte p50':>15} {'p99':>9}")
    for name, run in (("backend", backend), ("direct", direct)):
        print(
            f"  {name:10} {run.events_per_second:10.0f} "
            f"{run.first_byte_ms(0.5):12.2f} ms {run.first_byte_ms(0.99):6.2f} ms"
        )
    ratio = backend.events_per_second / direct.events_per_second
    added = backend.first_byte_ms(0.5) - direct.first_byte_ms(0.5)
    print(f"  ratio backend/direct events/s: {ratio:.2f}; added first-byte p50: {added:.2f} ms")


async def measure(backend_url: str, fake_url: str, c: int, n: int, rounds: int) -> None:
    to_backend, to_upstream = bodies(n)
    backend = await drive(f"{backend_url}/api/turn_response", to_backend, c, rounds, b"\n\n")
    direct = await drive(f"{fake_url}/v1/responses", to_upstream, c, rounds, b"\n\n")
    report(f"C={c} N={n} streams={c * rounds}", backend, direct)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, help="only this C (default: C=1 and C=100)")
    parser.add_argument("--events", type=int, default=200, help="events per stream (N)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of C streams")
    args = parser.parse_args()

    fake, fake_url = start_fake()
    backend = BackendProcess({"OPENAI_BASE_URL": f"{fake_url}/v1"}).wait_ready()
    try:
        if args.concurrency:
            plans = [(args.concurrency, args.rounds)]
        else:
            plans = [(1, 50), (100, args.rounds)]
        print(f"backend {backend.base_url} (1 uvicorn worker), fake upstream {fake_url}")
        for concurrency, rounds in plans:
            asyncio.run(measure(backend.base_url, fake_url, concurrency, args.events, rounds))
    finally:
        backend.stop()
        fake.terminate()
        fake.wait()


if __name__ == "__main__":
    main()
