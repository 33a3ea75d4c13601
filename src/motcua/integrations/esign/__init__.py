"""Digital signatures for electronic results (issue 17 item 3; Decree 118/2025 Art. 22)."""
