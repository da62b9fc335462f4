"""Free TCP ports, for the brokers and servers hearth starts on this machine."""

from __future__ import annotations

import socket
from collections.abc import Collection


def free_port(host: str = "127.0.0.1", *, other_than: Collection[int] = ()) -> int:
    """Return a TCP port on ``host`` that nothing listens on now and that is none of
    ``other_than``: ports already promised to a listener not started yet, which the
    operating system is otherwise free to hand out again."""
    while True:
        with socket.socket() as probe:
            probe.bind((host, 0))
            port = int(probe.getsockname()[1])
        if port not in other_than:
            return port
