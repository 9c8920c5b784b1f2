"""Outbound adapters of transaction-service: database and clients of the booking and payment services."""
