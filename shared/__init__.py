"""Cross-cutting code every TiketQ service uses. No domain rules live here."""
