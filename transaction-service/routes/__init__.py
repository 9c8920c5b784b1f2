"""Inbound HTTP of transaction-service."""
