"""Thin entry to the seqebm command line; the application is ``seqebm.cli`` (see cli/main.py)."""
