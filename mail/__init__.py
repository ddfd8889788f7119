"""E-mail as transport: the outbox relay, the fixed wordings, SMTP or .eml files."""
