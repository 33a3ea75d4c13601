"""Realistic demo data: a real province with officers in every commune (DOMAIN.md §8)."""
