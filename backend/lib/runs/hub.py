"""The runs of this worker, and the way to every run of any worker (through Redis).

Runs are kept after they end for RUN_REPLAY_SECONDS, so a listener that comes back late still
gets every frame; after that `events` answers 410 and the client reloads the conversation.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from lib.conversations.turns import TurnStore, mark_incomplete
from lib.db.database import Database
from lib.errors import Gone, ServiceUnavailable
from lib.runs.frames import encode, error_data
from lib.runs.run import Run
from lib.runs.shared import SharedRuns, SharedRunsUnavailableError
from lib.runs.stream import with_keepalive
from lib.server import drain

logger = logging.getLogger(__name__)

GONE = "This answer's stream is over and no longer kept; reload the conversation to read it."
ELSEWHERE_DOWN = (
    "This answer is being written by another server, which cannot be reached right now "
    "(Redis does not answer); reload the conversation in a moment."
)


class RunHub:
    def __init__(
        self, db: Database, store: TurnStore, shared: SharedRuns | None, replay_seconds: float
    ) -> None:
        self._db = db
        self._store = store
        self._shared = shared
        self._replay_seconds = replay_seconds
        self._runs: dict[str, Run] = {}
        drain.register(self._drain)
        if shared is not None:
            shared.listen_for_cancels(self._cancel_local)

    def start(self, run: Run) -> None:
        self._runs[run.turn_id] = run
        task = run.begin()
        task.add_done_callback(lambda _: self._keep_for_replay(run.turn_id))

    def _keep_for_replay(self, turn_id: str) -> None:
        asyncio.get_running_loop().call_later(self._replay_seconds, self._runs.pop, turn_id, None)

    def local(self, turn_id: str) -> Run | None:
        return self._runs.get(turn_id)

    @property
    def running(self) -> int:
        return sum(1 for run in self._runs.values() if not run.ended)

    # --- cancel

    def _cancel_local(self, turn_id: str) -> None:
        run = self._runs.get(turn_id)
        if run is not None and not run.ended:
            run.cancel()

    async def cancel(self, turn_id: str) -> None:
        run = self._runs.get(turn_id)
        if run is not None:
            run.cancel()
            return
        if self._shared is None:
            # One process and not ours: that run's worker is gone, and the stored answer says so.
            await mark_incomplete(self._db, turn_id)
            return
        try:
            await self._shared.request_cancel(turn_id)
        except SharedRunsUnavailableError:
            raise ServiceUnavailable(ELSEWHERE_DOWN) from None

    # --- listening

    async def follow(
        self, turn_id: str, after: int, status: str, keepalive: float
    ) -> AsyncIterator[bytes]:
        """The frames after `after`, then the live ones, through `turn.ended`."""
        run = self._runs.get(turn_id)
        if run is not None:
            return run.log.follow(after, keepalive)
        if self._shared is None:
            raise Gone(GONE)
        try:
            known = await self._shared.known(turn_id)
        except SharedRunsUnavailableError:
            raise ServiceUnavailable(ELSEWHERE_DOWN) from None
        if not known:
            if status == "streaming":
                raise ServiceUnavailable(ELSEWHERE_DOWN)
            raise Gone(GONE)
        return with_keepalive(self._follow_shared(self._shared, turn_id, after), keepalive)

    async def _follow_shared(
        self, shared: SharedRuns, turn_id: str, after: int
    ) -> AsyncIterator[bytes]:
        last = after
        async for number, frame in shared.follow(turn_id, after):
            if frame is None:
                return
            last = number
            yield frame
        # The frames stopped and the owner's heartbeat is gone: its worker died.
        await mark_incomplete(self._db, turn_id)
        died = error_data(
            "server_error",
            "worker_lost",
            "The server writing this answer stopped; the answer so far is kept.",
        )
        ended = {"type": "turn.ended", "status": "incomplete", "usage": None}
        yield encode(last + 1, "error", died) + encode(last + 2, "turn.ended", ended)

    # --- shutdown

    def _drain(self) -> None:
        for run in list(self._runs.values()):
            if not run.ended:
                run.cancel("shutdown")

    async def shutdown(self, graceful_seconds: float) -> None:
        """Runs get `graceful_seconds` to finish; the rest end `incomplete` with what they have."""
        drain.unregister(self._drain)
        tasks = [run.task for run in self._runs.values() if run.task and not run.task.done()]
        if tasks:
            await asyncio.wait(tasks, timeout=graceful_seconds)
            self._drain()
            with contextlib.suppress(Exception):
                await asyncio.wait(tasks, timeout=5)
        if self._shared is not None:
            await self._shared.close()
