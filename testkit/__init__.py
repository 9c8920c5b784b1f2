"""Test support shared by every suite: a real PostgreSQL, signing keys and token minting,
and the running stack for end-to-end tests. Never imported by product code."""
