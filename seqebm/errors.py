"""Typed exceptions. Every user-facing failure is a :class:`SeqebmError` whose message is one line."""
from __future__ import annotations

from pathlib import Path


class SeqebmError(Exception):
    """Base class of every error seqebm raises on purpose (bad input, bad options, bad files)."""


class InputError(SeqebmError, ValueError):
    """A file or array that cannot be read as asked; names the file and the position when known."""

    def __init__(
        self,
        message: str,
        path: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
        record: str | None = None,
    ) -> None:
        self.path = None if path is None else str(path)
        self.line = line
        self.column = column
        self.record = record
        self.reason = message
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.path is not None:
            loc = self.path
            if self.line is not None:
                loc += f":{self.line}"
                if self.column is not None:
                    loc += f":{self.column}"
            where.append(loc)
        if self.record is not None:
            where.append(f"record {self.record!r}")
        if self.line is None and self.column is not None:
            where.append(f"column {self.column}")
        prefix = ", ".join(where)
        msg = " ".join(self.reason.split())  # always one line
        return f"{prefix}: {msg}" if prefix else msg


class ParseError(InputError):
    """Malformed file: bad structure, empty file, undecodable bytes."""


class AlphabetError(InputError):
    """A symbol that the chosen alphabet does not contain."""


class ShapeError(InputError):
    """Ragged alignments, wrong matrix or image shapes, mismatched lengths."""


class MissingValueError(InputError):
    """Missing cells in a genotype matrix without a missing-value policy."""


class LabelError(InputError):
    """Labels that do not match the sequences (unknown, missing or duplicated names)."""


class ModelFileError(InputError):
    """A model file that is not a valid seqebm/adabmDCA model (or is a pickle)."""


class ConfigError(SeqebmError, ValueError):
    """Invalid option or argument value."""


class TrainingDiverged(SeqebmError, RuntimeError):
    """Parameters became NaN/inf or exceeded the allowed bound during training."""


class InputNote(UserWarning):
    """How an input was read when it could be read two ways (said once, on one line)."""


class DynamicsWarning(UserWarning):
    """A model sampled with other dynamics than those its training validated (e.g. an rdm-k model run longer)."""


class ResourceError(InputError):
    """The job would need more memory than the machine (or SEQEBM_MEMORY_LIMIT) allows; refused up front."""
