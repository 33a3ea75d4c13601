"""Realistic demo data: a real province with officers in every commune (docs/legal.md §8)."""
