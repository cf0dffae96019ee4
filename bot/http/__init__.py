"""The web endpoints that are not a chat channel: referral links and the business's REST API."""
