"""The business's side of the bot, in Slack: account managers' clients and asks, reviewers'
decisions on held rewards, and notifications of what happened.

Staff text is English and written in Slack markup: staff work in the business's language and
all of them live in Slack. What reaches a client (the ask) is in the client's language.
"""
