"""Channels translate: provider webhooks in, provider API calls out.

They know nothing of referrals.
"""
