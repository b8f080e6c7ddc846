"""The top-level ``cli/`` of the design card: a thin entry to the Typer app, which lives in the package
(``seqebm.cli``, installed with it). ``python cli/main.py ...`` is the same as ``seqebm ...``."""
from seqebm.cli.app import app, run

__all__ = ["app", "run"]

if __name__ == "__main__":
    run()
