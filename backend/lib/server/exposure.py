"""Whether the service listens beyond this machine while it runs with development settings.

A deployment that forgets NODE_ENV=production gets development behaviour (plain cookies,
/docs, a generated secret) without a word; bound to a public address, that deserves a loud one.
"""

import ipaddress
from collections.abc import Mapping, Sequence


def _host_of(bind: str) -> str:
    if bind.startswith("unix:"):
        return "127.0.0.1"
    if bind.startswith("["):
        return bind[1 : bind.index("]")]
    return bind.rsplit(":", 1)[0] if bind.count(":") == 1 else bind


def bound_hosts(argv: Sequence[str], env: Mapping[str, str]) -> list[str]:
    """The hosts uvicorn (`--host`) or gunicorn (`--bind`, `-b`, BIND) was told to listen on."""
    hosts = []
    for index, arg in enumerate(argv):
        for flag in ("--host", "--bind", "-b"):
            if arg == flag and index + 1 < len(argv):
                hosts.append(argv[index + 1])
            elif arg.startswith(flag + "="):
                hosts.append(arg.split("=", 1)[1])
    hosts += [part for part in env.get("BIND", "").split(",") if part.strip()]
    return [_host_of(host.strip()) for host in hosts]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def exposed_hosts(argv: Sequence[str], env: Mapping[str, str]) -> list[str]:
    return [host for host in bound_hosts(argv, env) if not is_loopback(host)]
