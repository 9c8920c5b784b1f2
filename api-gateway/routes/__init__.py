"""Inbound HTTP of the gateway: the proxy catch-all, the platform docs, the guarded /metrics and
the security headers every answer carries."""
