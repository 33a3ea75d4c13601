"""Adapters to systems outside the commune (messaging providers, the population database, the fee payment gateway,
later the national portal), each with a local simulator so that tests, demos and training never need the
internet."""
