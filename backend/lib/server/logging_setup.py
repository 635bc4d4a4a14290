"""Log lines of the service: INFO and up, never message contents, tokens or keys.

Production writes one JSON object per line (NODE_ENV=production, or LOG_FORMAT=json), development
plain text. Every record carries the id of the request it was logged for (`request_id`), the
same id the client gets as X-Request-ID.
"""

import logging
import re
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
_JSON_FIELDS = ["asctime", "levelname", "name", "message", "request_id", "process"]

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)

_factory_installed = False


# Control characters (a `%0a` in a path, say) would start a forged line in a plain-text log.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")


def _escape(text: str) -> str:
    return _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode(), text)


class PlainFormatter(logging.Formatter):
    """One line per record, always: what the record says is escaped, its traceback indented."""

    def format(self, record: logging.LogRecord) -> str:
        message = _escape(record.getMessage())
        saved = record.msg, record.args
        record.msg, record.args = message, None
        try:
            line = super().format(record)
        finally:
            record.msg, record.args = saved
        # A traceback keeps its own lines, each marked as the record's continuation.
        head, *rest = line.split("\n")
        return "\n".join([head, *(f"    | {_escape(part)}" for part in rest)])


def formatter(json_lines: bool) -> logging.Formatter:
    if json_lines:
        # JSON escapes control characters itself: a line stays a line.
        return JsonFormatter(_JSON_FIELDS, rename_fields={"asctime": "time", "levelname": "level"})
    return PlainFormatter(_FORMAT)


def install_request_id_factory() -> None:
    # A record factory rather than a handler filter: it reaches handlers set up by others too
    # (gunicorn's, uvicorn's), so no log line lacks the field its format names.
    global _factory_installed
    if _factory_installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = REQUEST_ID.get() or "-"
        return record

    logging.setLogRecordFactory(factory)
    _factory_installed = True


def configure_logging(json_lines: bool = False) -> None:
    install_request_id_factory()
    root = logging.getLogger()
    if not root.handlers:
        # Under gunicorn, gunicorn.conf.py has set the root handler up with the same format.
        handler = logging.StreamHandler()
        handler.setFormatter(formatter(json_lines))
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    # httpx2 logs every request URL at INFO; ours are enough.
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    # Alembic announces each of its plugins at every start-up; the migrations it runs stay.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # uvicorn's own access line carries the query string, and with it the one-time OAuth code
    # of /api/google/callback; the app's access line (lib/server/observability.py) leaves it out.
    logging.getLogger("uvicorn.access").disabled = True
