"""Inbound HTTP of user-service."""
