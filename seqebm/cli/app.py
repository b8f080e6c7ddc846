"""The ``seqebm`` command-line application: the Typer app, its commands (one module each) and the entry point
that turns every failure into one line on stderr and a non-zero exit."""
from __future__ import annotations

import os
import sys
import warnings

import typer

from seqebm.cli.analyze import analyze
from seqebm.cli.bench import bench_app
from seqebm.cli.contacts import contacts
from seqebm.cli.console import err_console
from seqebm.cli.data import convert, info
from seqebm.cli.dms import dms
from seqebm.cli.fit import fit
from seqebm.cli.sample import sample
from seqebm.cli.score import score
from seqebm.errors import InputNote, SeqebmError

app = typer.Typer(
    name="seqebm",
    help="Energy-based models (Potts, RBM) of biological sequences.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def main() -> None:
    """Energy-based models (Potts, RBM) of biological sequences: fit, sample, analyse."""


app.command()(info)
app.command()(convert)
app.command()(fit)
app.command()(sample)
app.command()(analyze)
app.command()(score)
app.command()(dms)
app.command()(contacts)
app.add_typer(bench_app, name="bench")


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Python warnings as one line on stderr (no source location): notes about how input was read, warnings else."""
    kind = "note" if issubclass(category, InputNote) else "warning"
    err_console.print(f"[yellow]{kind}:[/] {' '.join(str(message).split())}", highlight=False, soft_wrap=True)


def run() -> None:
    """Console-script entry point: seqebm errors (and unexpected ones) become one line and exit code 1."""
    warnings.showwarning = _show_warning
    try:
        app()
    except SeqebmError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # never a traceback for the user; SEQEBM_DEBUG=1 shows it
        if os.environ.get("SEQEBM_DEBUG"):
            raise
        err_console.print(f"[bold red]error:[/] {type(exc).__name__}: {' '.join(str(exc).split())}", highlight=False, soft_wrap=True)
        sys.exit(1)
