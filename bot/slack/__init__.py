"""The Slack triage desk (``SlackDesk`` in ``bot.slack.desk``); Slack objects stay in here."""
