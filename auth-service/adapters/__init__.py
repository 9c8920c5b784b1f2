"""Implementations of the domain ports: Postgres, argon2, RS256 signing, rate-limit storage."""
