"""The one-stop dossier."""
