"""Inbound HTTP of hotels-service."""
