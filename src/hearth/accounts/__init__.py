"""Accounts: users and their roles, sessions, personal API tokens, log-in throttling."""
