"""The guides, shipped as `bot.docs` so an installed wheel has them (`referral-bot docs NAME`)."""
