"""Inbound HTTP of auth-service: schemas and thin handlers; errors map in routes/errors.py."""
