"""Accounts, passwords, sessions, API tokens and role assignments."""
