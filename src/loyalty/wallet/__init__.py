"""What a member holds: the points ledger and its lots, stored credit, punch cards, benefits, the shop."""
