"""A write on a primary with a standby is acknowledged only once the standby holds it, or no other node can have
taken over.

pg_auto_failover keeps a synchronous standby, so a COMMIT normally returns only once the standby has the write. But
a primary told that its standby is unhealthy turns synchronous replication off and goes on alone (`wait_primary`),
releasing the COMMITs that were waiting. During a planned switchover the monitor can give that order while it is
promoting the standby (pg_auto_failover 2.0, seen in tests/failover): for a few seconds the old primary then
acknowledges writes the new primary never receives, and they vanish when it rejoins as a standby.

So, with a URL of several hosts, each write is checked after its COMMIT: made with a synchronous standby, it stands.
Made without one, the other nodes are asked. A node that takes writes itself means two primaries: the write may be
lost, and the caller hears `CommitOutcomeUnknown` (503; the till's retry with the same key lands on the new primary
and is recorded there). A standby must have received the write within a second. A node that cannot be reached is
taken as gone: the primary is alone, as pg_auto_failover intends when its standby dies.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import psycopg
from psycopg.conninfo import make_conninfo
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

# Query parameters of the URL that describe how to find the primary, not how to talk to one server.
ROUTING = {"host", "port", "target_session_attrs", "connect_timeout"}
STANDBY_CATCH_UP_SECONDS = 1.0
UNREACHABLE_SKIP_SECONDS = 2.0  # a node just found unreachable is not dialled again at every write


class WriteNotWitnessed(Exception):
    """The COMMIT was made without a standby while another node may have taken over: it may be lost."""


def _host_and_port(given: str) -> tuple[str, str]:
    host, colon, port = given.rpartition(":")
    return (host, port) if colon else (given, "5432")


def lsn(value: str) -> int:
    """A WAL position ('16/B374D848') as a number."""
    high, _, low = value.partition("/")
    return (int(high, 16) << 32) + int(low, 16)


@dataclass
class Witness:
    """The other hosts of a multi-host PostgreSQL URL, asked about a write made without a synchronous standby."""

    hosts: list[tuple[str, str]]
    conninfo: dict[str, str]
    _unreachable_until: dict[tuple[str, str], float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def of(cls, url: str) -> Witness | None:
        """The witness of `url`, or None when it names one host (a single server has no one to split with)."""
        parsed = make_url(url)
        given = parsed.query.get("host", ())
        hosts = [given] if isinstance(given, str) else list(given)
        if len(hosts) < 2:
            return None
        pairs = [_host_and_port(host) for host in hosts]
        conninfo = {key: str(value) for key, value in parsed.query.items() if key not in ROUTING}
        conninfo |= {"dbname": parsed.database or "", "user": parsed.username or ""}
        if parsed.password:
            conninfo["password"] = str(parsed.password)
        return cls(hosts=pairs, conninfo=conninfo)

    def confirm(self, session: Session) -> None:
        """After a COMMIT on `session`'s connection: return if the write is safe, else raise WriteNotWitnessed."""
        standbys, position = session.execute(
            text("SELECT current_setting('synchronous_standby_names'), pg_current_wal_insert_lsn()::text")
        ).one()
        if standbys:
            return  # COMMIT waited for a standby
        info = session.connection().connection.dbapi_connection.info  # type: ignore[union-attr]
        here = (str(info.host), str(info.port))
        for other in self.hosts:
            if other != here:
                self._ask(other, lsn(position))

    def _ask(self, host: tuple[str, str], written: int) -> None:
        with self._lock:
            if self._unreachable_until.get(host, 0.0) > time.monotonic():
                return
        try:
            where = make_conninfo("", host=host[0], port=host[1], connect_timeout=1, **self.conninfo)
            with psycopg.connect(where) as connection:
                deadline = time.monotonic() + STANDBY_CATCH_UP_SECONDS
                while True:
                    in_recovery, received = connection.execute(
                        "SELECT pg_is_in_recovery(), pg_last_wal_receive_lsn()::text"
                    ).fetchone() or (False, None)
                    if not in_recovery:
                        raise WriteNotWitnessed(f"{host[0]}:{host[1]} takes writes too")
                    if received is not None and lsn(received) >= written:
                        return
                    if time.monotonic() > deadline:
                        raise WriteNotWitnessed(f"the standby {host[0]}:{host[1]} did not receive the write")
                    time.sleep(0.05)
        except psycopg.OperationalError:
            with self._lock:
                self._unreachable_until[host] = time.monotonic() + UNREACHABLE_SKIP_SECONDS
