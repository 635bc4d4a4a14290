"""Telling when the service listens beyond this machine."""

import pytest

from lib.server.exposure import exposed_hosts


@pytest.mark.parametrize(
    ("argv", "env", "exposed"),
    [
        (["uvicorn", "main:app", "--host", "127.0.0.1"], {}, []),
        (["uvicorn", "main:app", "--host", "0.0.0.0"], {}, ["0.0.0.0"]),
        (["uvicorn", "main:app", "--host=::"], {}, ["::"]),
        (["gunicorn", "-c", "gunicorn.conf.py"], {"BIND": "127.0.0.1:8000"}, []),
        (["gunicorn", "-b", "10.0.0.5:8000"], {}, ["10.0.0.5"]),
        (["gunicorn"], {"BIND": "[::1]:8000,192.168.1.2:8000"}, ["192.168.1.2"]),
        (["uvicorn", "main:app"], {}, []),
        (["uvicorn", "main:app", "--host", "localhost"], {}, []),
    ],
)
def test_hosts_beyond_loopback_are_found(
    argv: list[str], env: dict[str, str], exposed: list[str]
) -> None:
    assert exposed_hosts(argv, env) == exposed
