"""Delivery: the outbox's dispatcher, its policies and its pace (see DESIGN.md)."""
