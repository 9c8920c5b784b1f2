"""Outbound adapters of payment-service: database and the Midtrans client."""
