"""The Como POS API v4, served at `/api/v4/`: a translator at the edge.

Tills that already speak Como (Ticketack, Revo, Heartland, Alice POS…) work against loyalty by changing a base URL
and an API key. Here: Como's request shapes (`shapes`) and envelope (`envelope`), who is calling (`caller`), the
calls (`members_calls`, `sale_calls`, gathered by `routes`), and the mapping of Como's notions onto the services
`/v1` uses (`mapping`; the budget payment is `loyalty.sale.tender`). No business rule lives here, and no module
of it imports the database or its models (see the import-linter contracts).
"""
