"""The delivery thread `loyalty serve` runs in each worker process (and `loyalty webhooks deliver` runs in the
foreground): it sends what is due, then sleeps until a commit in this process queues a delivery or `poll` passes
(deliveries queued by other processes, retries coming due)."""

from __future__ import annotations

import logging
import threading

from loyalty.db.engine import Database
from loyalty.webhooks import delivery, outbox

log = logging.getLogger("loyalty.webhooks")

POLL_SECONDS = 2.0


class Worker:
    def __init__(self, db: Database, *, allow_private: bool, poll: float = POLL_SECONDS) -> None:
        self.db = db
        self.allow_private = allow_private
        self.poll = poll
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Worker:
        outbox.wake_listeners.append(self._wake.set)
        self._thread = threading.Thread(target=self.run, name="webhook-deliveries", daemon=True)
        self._thread.start()
        return self

    def run(self) -> None:
        while not self._stopped.is_set():
            try:
                sent = delivery.deliver_due(self.db, allow_private=self.allow_private)
            except Exception:  # a database away for a moment: try again after the pause
                log.exception("webhook deliveries could not be taken")
                sent = 0
            if sent == 0:
                self._wake.wait(self.poll)
                self._wake.clear()

    def stop(self) -> None:
        self._stopped.set()
        self._wake.set()
        if self._wake.set in outbox.wake_listeners:
            outbox.wake_listeners.remove(self._wake.set)
        if self._thread is not None:
            self._thread.join(timeout=15)
