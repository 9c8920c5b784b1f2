"""Inbound HTTP of flights-service."""
