"""gunicorn for production: `cd backend && gunicorn -c gunicorn.conf.py main:app` (make run-prod).

Settings come from the environment and backend/.env like the app's own (lib/settings.py);
docs/deploy.md lists what a deployment sets. BIND (default 127.0.0.1:8000) is where to listen.
"""

import math
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

BACKEND_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BACKEND_DIR))

# prometheus_client picks its way of keeping values when first imported, and the workers are forked
# from this process: the directory must be known before any import below brings it in. A dir left
# by an earlier run would add that run's counts, so a fresh one per start unless given.
_METRICS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"  # lib.server.metrics reads the same
if not os.environ.get(_METRICS_DIR_VARIABLE):
    os.environ[_METRICS_DIR_VARIABLE] = tempfile.mkdtemp(prefix="chat-metrics-")
_metrics_dir = Path(os.environ[_METRICS_DIR_VARIABLE])


from lib.server.gunicorn_worker import FINAL_FRAME_SECONDS  # noqa: E402
from lib.server.logging_setup import formatter, install_request_id_factory  # noqa: E402
from lib.settings import load_settings  # noqa: E402

settings = load_settings()

wsgi_app = "main:app"
bind = os.environ.get("BIND", "127.0.0.1:8000")
worker_class = "lib.server.gunicorn_worker.StreamDrainingWorker"
# Async workers: one per core carries all the streams the core can; more only add switching.
workers = settings.web_concurrency or os.cpu_count() or 1
# The worker's event loop reports in every second whatever its streams do, so this only ends a
# worker whose loop is stuck, never a long stream.
timeout = 30
# SIGTERM: streams get GRACEFUL_TIMEOUT, then their final frame (lib/server/gunicorn_worker.py).
graceful_timeout = math.ceil(settings.graceful_timeout + 2 * FINAL_FRAME_SECONDS)
# Longer than nginx's upstream keepalive_timeout (60 s), so nginx closes idle connections first
# and never sends a request on one we are closing.
keepalive = 75
forwarded_allow_ips = settings.forwarded_allow_ips
# gunicorn's runtime control socket lives at one path per user: two instances (tests, a blue-green
# switch) would fight over it, and nothing here uses it.
control_socket_disable = True
# Each stream holds a connection; the default (2048 pending connections) is fine, the rest is
# the open-file limit (docs/deploy.md).
worker_connections = 10000


def on_starting(server: Any) -> None:
    for path in _metrics_dir.glob("*.db"):
        path.unlink()


def child_exit(server: Any, worker: Any) -> None:
    # The dead worker's open-streams gauge must stop counting (livesum).
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def on_exit(server: Any) -> None:
    if _metrics_dir.name.startswith("chat-metrics-"):
        shutil.rmtree(_metrics_dir, ignore_errors=True)


# gunicorn's lines and the app's in one format: JSON in production (lib/server/logging_setup.py).
_format = "json" if settings.log_json else "plain"
install_request_id_factory()
logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": lambda: formatter(True)},
        "plain": {"()": lambda: formatter(False)},
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": _format,
            "stream": "ext://sys.stderr",
        },
    },
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
    },
}
