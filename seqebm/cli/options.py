"""Command-line options generated from the training option table (one source of truth for names, defaults, help).

``--name-with-dashes`` for every :class:`~seqebm.training.config.TrainConfig` field, plus the aliases the table
lists (``--chains``, ``--updates``, ``--target``); booleans as ``--name/--no-name``. The command receives the
options as keywords and learns which ones the user gave (:func:`given_options`), which is what resume needs.
"""
from __future__ import annotations

import functools
import inspect
import typing
from typing import Callable, Optional

import typer

from seqebm.training.config import TrainConfig, option_table


def _python_type(name: str):
    """The option's type as typer reads it: ``X | None`` becomes Optional[X]."""
    hint = typing.get_type_hints(TrainConfig)[name]
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    return Optional[args[0]] if args else hint


def _typer_option(spec) -> typer.models.OptionInfo:
    name = "--" + spec.name.replace("_", "-")
    help_text = spec.metadata["help"]
    if _python_type(spec.name) in (bool, Optional[bool]):  # nullable switches too: None means "the default for this model"
        return typer.Option(spec.default, f"{name}/--no-{spec.name.replace('_', '-')}", help=help_text)
    return typer.Option(spec.default, name, *spec.metadata["flags"], help=help_text, show_default=spec.default is not None)


def with_training_options(command: Callable) -> Callable:
    """Give ``command`` (which takes ``**options``) one keyword-only parameter per training option."""
    signature = inspect.signature(command, eval_str=True)
    own = [p for p in signature.parameters.values() if p.kind != inspect.Parameter.VAR_KEYWORD]
    extra = [inspect.Parameter(spec.name, inspect.Parameter.KEYWORD_ONLY, default=_typer_option(spec),
                               annotation=_python_type(spec.name)) for spec in option_table()]

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        return command(*args, **kwargs)

    wrapper.__signature__ = signature.replace(parameters=own + extra)
    wrapper.__annotations__ = {p.name: p.annotation for p in own + extra}
    return wrapper


def given_options(ctx: typer.Context, options: dict) -> dict:
    """The training options the user typed (not left at their default)."""
    def given(name: str) -> bool:  # by name: typer may carry its own copy of click's ParameterSource
        return getattr(ctx.get_parameter_source(name), "name", "DEFAULT") not in ("DEFAULT", "DEFAULT_MAP")

    names = {spec.name for spec in option_table()}
    return {k: v for k, v in options.items() if k in names and given(k)}


FIRST_INDEX = typer.Option(None, "--first-index", help="Protein number of the wild type's first residue (default: the "
                           "start of a FASTA header NAME/start-end, else 1).")
