"""Alphabets: symbol sets, the gap symbol, ambiguity codes, and byte lookup tables for fast encoding."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from seqebm.errors import ConfigError

GAP = "-"
UNKNOWN = 255  # lookup-table value of a byte that is not in the alphabet


@dataclass(frozen=True)
class Alphabet:
    """An ordered symbol set. ``symbols[a]`` is the letter of state ``a``; the gap (if any) is state 0.

    ``aliases`` maps extra input letters (ambiguity codes, ``.``) to states; ``ambiguous`` lists the
    letters that map to the gap by default and become errors when ``ambiguous="error"``.
    """

    name: str
    symbols: str
    aliases: dict[str, str] = field(default_factory=dict)
    ambiguous: str = ""

    @property
    def q(self) -> int:
        return len(self.symbols)

    @property
    def has_gap(self) -> bool:
        return GAP in self.symbols

    @property
    def gap_index(self) -> int | None:
        return self.symbols.index(GAP) if self.has_gap else None

    def lookup_table(self, ambiguous: str = "gap") -> np.ndarray:
        """Table of 256 entries mapping a byte to its state (``UNKNOWN`` if not accepted).

        ``ambiguous``: ``"gap"`` maps ambiguity codes to the gap, ``"error"`` rejects them.
        Letters are matched case-sensitively; callers decide what lowercase means (A2M insertions).
        """
        if ambiguous not in ("gap", "error"):
            raise ConfigError(f"ambiguous must be 'gap' or 'error', not {ambiguous!r}")
        table = np.full(256, UNKNOWN, dtype=np.uint8)
        for state, letter in enumerate(self.symbols):
            table[ord(letter)] = state
        for letter, target in self.aliases.items():
            table[ord(letter)] = self.symbols.index(target)
        if ambiguous == "gap" and self.has_gap:
            for letter in self.ambiguous:
                table[ord(letter)] = self.gap_index
        return table

    def decode(self, states: np.ndarray) -> list[str]:
        """Turn an (N, L) integer array into N strings."""
        letters = np.frombuffer(self.symbols.encode("ascii"), dtype=np.uint8)
        rows = letters[np.asarray(states, dtype=np.int64)]
        return [bytes(r).decode("ascii") for r in rows]

    def to_json(self) -> dict:
        return {"name": self.name, "symbols": self.symbols}


PROTEIN = Alphabet("protein", "-ACDEFGHIKLMNPQRSTVWY", aliases={".": GAP}, ambiguous="BZXJOU")
RNA = Alphabet("rna", "-ACGU", aliases={".": GAP, "T": "U"}, ambiguous="NRYKMSWBDHV")
DNA = Alphabet("dna", "-ACGT", aliases={".": GAP}, ambiguous="NRYKMSWBDHV")
BINARY = Alphabet("binary", "01")
TERNARY = Alphabet("ternary", "012")

NAMED = {a.name: a for a in (PROTEIN, RNA, DNA, BINARY, TERNARY)}


def get_alphabet(spec: "str | Alphabet") -> Alphabet:
    """Resolve a name (``protein``, ``rna``, ``dna``, ``binary``, ``ternary``) or a custom symbol string.

    A custom string such as ``"-ACGT"`` or ``"custom:-ACGT"`` lists the symbols in state order.
    """
    if isinstance(spec, Alphabet):
        return spec
    if not isinstance(spec, str) or not spec:
        raise ConfigError(f"alphabet must be a name or a symbol string, not {spec!r}")
    key = spec.lower()
    if key in NAMED:
        return NAMED[key]
    symbols = spec[len("custom:"):] if key.startswith("custom:") else spec
    if len(symbols) < 2:
        raise ConfigError(
            f"unknown alphabet {spec!r}: use one of {', '.join(NAMED)} or a custom symbol string of 2+ letters"
        )
    if len(set(symbols)) != len(symbols):
        raise ConfigError(f"custom alphabet {symbols!r} repeats a symbol")
    if not symbols.isascii() or any(c.isspace() for c in symbols):
        raise ConfigError(f"custom alphabet {symbols!r} must be printable ASCII without spaces")
    return Alphabet("custom", symbols)


def from_json(obj: dict) -> Alphabet:
    """Inverse of :meth:`Alphabet.to_json` (named alphabets keep their aliases)."""
    name, symbols = obj.get("name"), obj.get("symbols")
    if name in NAMED and NAMED[name].symbols == symbols:
        return NAMED[name]
    return get_alphabet(symbols)


def guess_alphabet(letters: set[str]) -> Alphabet:
    """Pick the smallest named alphabet that accepts all ``letters`` (uppercase); digits 0/1(/2) are binary
    (ternary) data."""
    if letters and letters <= set(BINARY.symbols):
        return BINARY
    if letters and letters <= set(TERNARY.symbols):
        return TERNARY
    for alpha in (RNA, DNA, PROTEIN):
        accepted = set(alpha.symbols) | set(alpha.aliases) | set(alpha.ambiguous)
        if letters <= accepted:
            # RNA and DNA differ only by U/T; prefer RNA when a U is present.
            if alpha is RNA and "U" not in letters:
                continue
            return alpha
    return PROTEIN
