"""The ``hearth`` command line (Typer and Rich)."""
