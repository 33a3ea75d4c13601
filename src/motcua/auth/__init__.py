"""Login, sessions, API tokens, permissions and the access gates."""
