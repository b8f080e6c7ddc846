"""Design constraints on sampling: clamped positions (conditional sampling) and a Hamming radius around a reference.

Clamped positions are exact: the model is conditioned on them and any sampler samples the rest
(:meth:`~seqebm.models.base.EnergyModel.condition`). The radius is enforced by rejection: rounds of samples are drawn
and those farther than ``max_distance`` from the reference are discarded, which keeps the constrained distribution
exact (given equilibrium samples) and reports the acceptance rate, as design studies do."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from seqebm.errors import ConfigError
from seqebm.io.alphabets import Alphabet

FREE = "?"  # a free position in a partial sequence
MAX_ROUNDS = 50


def parse_fixed(spec: str, alphabet: Alphabet, length: int, column_of=None) -> dict[int, int]:
    """{column (0-based): state} from ``24=H,30=G`` (1-based alignment columns, or protein positions when
    ``column_of`` maps a position to its column, -1 outside the model), or from a partial sequence of the model's
    length with ``?`` at the free positions."""
    spec = spec.strip()
    if "=" not in spec:
        if len(spec) != length:
            raise ConfigError(f"--fix {spec[:20]!r}...: a partial sequence must have the model's length {length} "
                              f"({FREE} at free positions), got {len(spec)}; or use the form 24=H,30=G")
        return {i: _state(letter, alphabet, f"column {i + 1}") for i, letter in enumerate(spec) if letter != FREE}
    fixed = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        position, _, letter = item.partition("=")
        try:
            number = int(position)
        except ValueError:
            raise ConfigError(f"--fix {item!r}: expected POSITION=RESIDUE such as 24=H") from None
        if len(letter) != 1:
            raise ConfigError(f"--fix {item!r}: one residue letter after '='")
        column = column_of(number) if column_of is not None else number - 1
        where = f"position {number}" if column_of is not None else f"column {number}"
        if column is None or not 0 <= column < length:
            raise ConfigError(f"--fix {item!r}: {where} is not one of the model's columns"
                              + ("" if column_of is not None else f" (1..{length})"))
        if column in fixed:
            raise ConfigError(f"--fix names {where} twice")
        fixed[column] = _state(letter, alphabet, where)
    if not fixed:
        raise ConfigError("--fix is empty")
    return fixed


def _state(letter: str, alphabet: Alphabet, where: str, option: str = "--fix") -> int:
    letter = letter.upper() if letter.upper() in alphabet.symbols else letter
    if letter not in alphabet.symbols:
        raise ConfigError(f"{option}: {letter!r} at {where} is not in the model's alphabet ({alphabet.symbols})")
    return alphabet.symbols.index(letter)


def encode_reference(text: str, alphabet: Alphabet, length: int) -> torch.Tensor:
    """(L,) states of an aligned reference sequence (``--reference``)."""
    if len(text) != length:
        raise ConfigError(f"--reference must be aligned to the model's {length} columns, got {len(text)}")
    return torch.tensor([_state(letter, alphabet, f"column {i + 1}", "--reference") for i, letter in enumerate(text)])


@dataclass
class RadiusReport:
    kept: int
    drawn: int
    rounds: int

    @property
    def acceptance(self) -> float:
        return self.kept / max(self.drawn, 1)


def hamming(states: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Number of sites where each row of (N, L) ``states`` differs from (L,) ``reference``."""
    return (states != reference.to(states.device)[None, :]).sum(1)


def within_radius(draw, n: int, reference: torch.Tensor, max_distance: int, max_rounds: int = MAX_ROUNDS
                  ) -> tuple[torch.Tensor, RadiusReport]:
    """``n`` samples within ``max_distance`` of ``reference``, by rejection over rounds of ``draw(n)`` (a function
    returning (n, L) samples, each round fresh chains); fewer if ``max_rounds`` rounds do not give enough."""
    if max_distance < 0:
        raise ConfigError(f"max_distance must be >= 0, got {max_distance}")
    kept, drawn = [], 0
    for round_ in range(1, max_rounds + 1):
        states = draw(n)
        drawn += states.shape[0]
        kept.append(states[hamming(states, reference) <= max_distance])
        if sum(k.shape[0] for k in kept) >= n:
            break
    out = torch.cat(kept)[:n]
    return out, RadiusReport(out.shape[0], drawn, round_)
