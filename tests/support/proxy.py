"""A loopback TCP proxy in front of PostgreSQL that can cut a connection right after forwarding a COMMIT.

Armed, it forwards the next COMMIT to the server, waits for the server's answer (so the commit has happened),
throws that answer away and closes both sides: the client sees its connection die during COMMIT, the one moment
where it cannot know whether its transaction was recorded. Armed with `before=` some other statement, it cuts the
connection instead of forwarding that statement: the transaction dies unfinished, and nothing of it is recorded.
"""

from __future__ import annotations

import contextlib
import socket
import threading

# The simple-query message psycopg sends for a commit: 'Q', int32 length (4 + 7), "COMMIT\0".
COMMIT = b"Q\x00\x00\x00\x0bCOMMIT\x00"


class CommitCuttingProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.cuts = 0
        self._armed = threading.Event()
        self._pattern = COMMIT
        self._forward = True
        self._closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, *, before: bytes | None = None) -> None:
        """Cut the connection that sends the next COMMIT (after it reaches the server), or the next message that
        contains `before` (instead of forwarding it)."""
        self._pattern, self._forward = (COMMIT, True) if before is None else (before, False)
        self._armed.set()

    def close(self) -> None:
        self._closed.set()
        self.listener.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            _Link(self, client, server).start()


class _Link:
    """One proxied connection: a pump each way."""

    def __init__(self, proxy: CommitCuttingProxy, client: socket.socket, server: socket.socket) -> None:
        self.proxy, self.client, self.server = proxy, client, server
        self.cutting = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._upstream, daemon=True).start()
        threading.Thread(target=self._downstream, daemon=True).start()

    def _upstream(self) -> None:
        try:
            while data := self.client.recv(65536):
                cut_here = self.proxy._armed.is_set() and self.proxy._pattern in data
                if cut_here:
                    self.proxy._armed.clear()
                    if not self.proxy._forward:
                        self.proxy.cuts += 1
                        break
                    self.cutting.set()
                self.server.sendall(data)
                if cut_here:
                    return
        except OSError:
            pass
        self._close()

    def _downstream(self) -> None:
        try:
            while data := self.server.recv(65536):
                if self.cutting.is_set():
                    # The server has answered the COMMIT: it is recorded, and the client will never know.
                    self.proxy.cuts += 1
                    break
                self.client.sendall(data)
        except OSError:
            pass
        self._close()

    def _close(self) -> None:
        for side in (self.client, self.server):
            with contextlib.suppress(OSError):
                side.shutdown(socket.SHUT_RDWR)
            side.close()
