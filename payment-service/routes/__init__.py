"""Inbound HTTP of payment-service."""
