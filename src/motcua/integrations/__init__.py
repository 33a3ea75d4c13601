"""Adapters to systems outside the commune (messaging providers, later the population database and the national
portal), each with a local simulator so that tests, demos and training never need the internet."""
