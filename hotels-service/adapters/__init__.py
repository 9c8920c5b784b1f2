"""Outbound adapters of hotels-service: database and hotel supplier clients."""
