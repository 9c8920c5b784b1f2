"""Outbound adapters of flights-service: database and supplier clients."""
