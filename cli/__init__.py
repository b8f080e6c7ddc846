"""The ``seqebm`` command line (Typer), installed as ``seqebm.cli``."""
