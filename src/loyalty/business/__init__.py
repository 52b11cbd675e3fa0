"""A business as its owner sets it up: branches, terminals, keys, means of payment, payment rules, credit bonuses."""
