"""loyalty: a self-hosted loyalty platform behind a point of sale."""

__version__ = "0.1.0"
