"""What a Slack Web API call raises when Slack could not be reached or did not answer in time.

In a module of its own because both `slack.py` and `slack_people.py` need it, and
`slack.py` imports `slack_people.py`.
"""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackClientError

NETWORK_ERRORS = (aiohttp.ClientError, TimeoutError, OSError, SlackClientError)
