"""Example program files; shipped as `bot.examples` (`referral-bot program example NAME`)."""
