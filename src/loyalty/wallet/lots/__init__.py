"""Points as lots: every earning is a lot with the moment it was earned, becomes spendable and expires.

`model` is the pure arithmetic (which lots a spend, a take-back or an expiry run consumes); `book` applies it to
the database inside the ledger's transactions; `expiry` is the `loyalty expire` run; `liability` the report.
"""
