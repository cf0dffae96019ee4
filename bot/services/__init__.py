"""Services tell one story each, start to end: they open the transaction, call flows and core,
and hand the effects to the outbox."""
