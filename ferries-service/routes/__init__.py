"""Inbound HTTP of ferries-service."""
