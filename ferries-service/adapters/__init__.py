"""Outbound adapters of ferries-service: database and ferry operator clients."""
