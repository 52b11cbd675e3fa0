"""A local pg_auto_failover cluster (monitor, primary, synchronous standby) for failover tests: started and
stopped with the scripts a person uses, killed the way a machine dies."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
WRITABLE = ("primary", "wait_primary", "single")  # a lone primary reports wait_primary until a standby is back


class Cluster:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.env: dict[str, str] = {}

    def start(self) -> Cluster:
        start = ["bash", str(ROOT / "scripts/ha-cluster-start.sh"), str(self.folder)]
        subprocess.run(start, check=True, timeout=240, stdout=subprocess.DEVNULL)
        for line in (self.folder / "cluster.env").read_text().splitlines():
            name, _, value = line.partition("=")
            self.env[name] = shlex.split(value)[0]
        return self

    def keep_logs(self, into: Path) -> None:
        """Copy the services' logs and each PostgreSQL's own log files into `into`."""
        into.mkdir(parents=True, exist_ok=True)
        for log in [*self.folder.glob("*.log"), *self.folder.glob("*/log/*")]:
            with contextlib.suppress(OSError):
                shutil.copyfile(log, into / "-".join(log.relative_to(self.folder).parts))

    def stop(self) -> None:
        subprocess.run(["bash", str(ROOT / "scripts/ha-cluster-stop.sh"), str(self.folder)], timeout=120, check=False)

    @property
    def database_url(self) -> str:
        return self.env["LOYALTY_DATABASE_URL"]

    def states(self) -> dict[str, str]:
        """Each node's state as last reported to the monitor."""
        monitor = f"host=127.0.0.1 port={self.env['LOYALTY_HA_MONITOR_PORT']} dbname=pg_auto_failover user=autoctl_node"
        with psycopg.connect(monitor, connect_timeout=2) as connection:
            rows = connection.execute("select nodename, reportedstate from pgautofailover.node").fetchall()
        return {name: state for name, state in rows}

    def primary(self) -> str | None:
        """The node that accepts writes now."""
        found = [name for name, state in self.states().items() if state in WRITABLE]
        return found[0] if len(found) == 1 else None

    def kill(self, node: str) -> int:
        """SIGKILL every process of a node, its pg_autoctl service and all of PostgreSQL, at once, as in a power
        cut. Returns how many processes died."""
        pgdata = str(self.folder / node)
        roots = {pid for pid, command in _commands().items() if "pg_autoctl" in command and pgdata in command}
        postmaster = Path(pgdata, "postmaster.pid")
        if postmaster.exists():
            roots.add(int(postmaster.read_text().split()[0]))
        doomed = _with_descendants(roots)
        for pid in doomed:  # frozen first, so no supervisor restarts what the next kill takes
            _signal(pid, signal.SIGSTOP)
        for pid in doomed:
            _signal(pid, signal.SIGKILL)
        return len(doomed)

    def switchover(self) -> None:
        """A planned switchover: the standby is promoted, the primary becomes the standby."""
        self._as_postgres(
            "pg_autoctl", "perform", "switchover", "--pgdata", str(self.folder / "monitor"), "--wait", "60"
        )

    def enable_maintenance(self, node: str) -> None:
        """Take a standby out of the synchronous replication: the primary goes on alone (wait_primary)."""
        self._as_postgres("pg_autoctl", "enable", "maintenance", "--pgdata", str(self.folder / node))

    def promote_by_hand(self, node: str) -> None:
        """Promote a node behind the monitor's back, as a race in the monitor or a hurried operator would."""
        self._as_postgres("pg_ctl", "promote", "-w", "-D", str(self.folder / node))

    def port(self, node: str) -> int:
        return int(self.env[f"LOYALTY_HA_{node.upper()}_PORT"])

    def _as_postgres(self, *command: str) -> None:
        env = {
            "PATH": f"{_pg_bin()}:{os.environ['PATH']}",
            "XDG_CONFIG_HOME": str(self.folder / "xdg/config"),
            "XDG_DATA_HOME": str(self.folder / "xdg/data"),
            "XDG_RUNTIME_DIR": str(self.folder / "xdg/run"),
        }
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        environment = ["env", *(f"{k}={v}" for k, v in env.items())]
        subprocess.run([*as_postgres, *environment, *command], check=True, timeout=90, capture_output=True)

    def wait_for_primary(self, other_than: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                states = self.states()
            except psycopg.Error:
                states = {}
            # A dead node's last report stays on the monitor: only the others' reports tell.
            taken = [name for name, state in states.items() if name != other_than and state in WRITABLE]
            if taken:
                return taken[0]
            time.sleep(0.1)
        raise TimeoutError(f"no node took over from {other_than} in {timeout} s: {self.states()}")


def _pg_bin() -> str:
    return sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda path: int(path.parent.name))[-1].as_posix()


def _commands() -> dict[int, str]:
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
    return found


def _parents() -> dict[int, int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def _with_descendants(roots: set[int]) -> set[int]:
    parents = _parents()
    found = set(roots)
    grew = True
    while grew:
        children = {pid for pid, parent in parents.items() if parent in found} - found
        found |= children
        grew = bool(children)
    return found


def _signal(pid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)
