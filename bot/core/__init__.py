"""The core remembers and delivers: messages, store, engine, outbox, clock."""
