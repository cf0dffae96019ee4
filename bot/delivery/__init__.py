"""Delivery: the outbox dispatcher, pacing, quiet hours and the clock's ticks; on core only."""
