"""Members and who may act on them: registration, identification, lockouts, login, tiers, keys and tills."""
