"""A notifier that keeps what it would send (login codes, codes to confirm a new contact), so a test reads the code
a member would have received."""

from __future__ import annotations

from loyalty.messages.notify import LoginCode


class Outbox:
    def __init__(self) -> None:
        self.sent: list[LoginCode] = []

    def send(self, message: LoginCode) -> None:
        self.sent.append(message)

    def to(self, address: str) -> list[str]:
        """The codes sent to `address`, oldest first."""
        return [message.code for message in self.sent if message.address == address]

    def last(self) -> str:
        return self.sent[-1].code
