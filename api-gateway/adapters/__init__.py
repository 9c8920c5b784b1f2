"""Outbound adapters of the gateway: one pooled HTTP client per service, token checks against
auth-service, and the platform's merged OpenAPI document."""
