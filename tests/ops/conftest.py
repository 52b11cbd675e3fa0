"""The webhook tests' fixtures."""

from tests.ops.hooks import hooks_client, venue

__all__ = ["hooks_client", "venue"]
