"""Webhooks: events written to an outbox with the change they tell, delivered signed (Standard Webhooks)."""
