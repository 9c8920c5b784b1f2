"""Outbound adapters of user-service: its database and the auth-service client."""
