"""motcua — một cửa: the one-stop public administrative service centre of a Vietnamese commune."""

__version__ = "0.1.0"
