"""Jinja environment, filters (dates in Vietnamese), htmx helpers, layout templates and static files."""
