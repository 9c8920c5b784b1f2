"""Inbound HTTP of the gateway: the proxy catch-all and the platform docs."""
