"""Outbound adapters of ppob-service: database and PPOB aggregator clients."""
