"""Flows decide: one module per thing a person wants from the bot."""
