"""referral-bot: a chat-native referral agent."""

__version__ = "0.1.0"
