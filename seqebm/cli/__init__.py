"""The ``seqebm`` command line (Typer): ``seqebm.cli.app:run`` is the console script."""
from seqebm.cli.app import app, run

__all__ = ["app", "run"]
