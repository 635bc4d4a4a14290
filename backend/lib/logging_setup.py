"""Log lines of the service: one format, INFO and up, never message contents or secrets."""

import logging

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging() -> None:
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO, format=_FORMAT)
    # httpx2 logs every request URL at INFO; ours are enough.
    logging.getLogger("httpx2").setLevel(logging.WARNING)
