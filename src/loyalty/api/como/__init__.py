"""The Como POS API v4, served at `/api/v4/`: a translator at the edge.

Tills that already speak Como (Ticketack, Revo, Heartland, Alice POS…) work against loyalty by changing a base URL
and an API key. This package holds Como's request and answer shapes (`shapes`, `envelope`) and their mapping onto
the services `/v1` uses (`mapping`, `wallets`); it holds no business rule and never touches the database models.
"""
