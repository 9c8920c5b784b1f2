"""Inbound HTTP of ppob-service."""
