"""The append-only, hash-chained event log written by every action."""
