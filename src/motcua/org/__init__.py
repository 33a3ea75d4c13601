"""Provinces, communes (with the units they were merged from), departments, posts, officers and roles."""
