"""Fixed-seed trainings give bitwise the same parameters, chains and logs as the code before the renovation of
issue 13 (references recorded by tests/golden/record.py on that code, commit d7143f8).

Two machines with the same platform record (torch, numpy, CPU capability, architecture) gave different float
rounding for the old code itself, so each reference*.json holds the old code's output on one of them; a run must
match one of them bitwise, in full."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.golden.record import platform_record
from tests.golden.scenarios import SCENARIOS, run

REFERENCES = [json.loads(path.read_text()) for path in sorted((Path(__file__).parent / "golden").glob("reference*.json"))]


def _mismatch(got: dict, expected: dict) -> str | None:
    """What differs from one reference (None: bitwise the same)."""
    if got["digests"] != expected["digests"]:
        return f"digests {got['digests']} != {expected['digests']}"
    if got["log"] != expected["log"]:
        return f"log {got['log']} != {expected['log']}"
    # records gained entries since (the sampler); every recorded entry must be unchanged
    for part in ("training_state", "sampling"):
        if {k: got[part].get(k) for k in expected[part]} != expected[part]:
            return f"{part} {got[part]} != {expected[part]}"
    return None


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_training_is_bitwise_unchanged(name):
    got = run(name)
    here = platform_record()
    candidates = [ref["scenarios"][name] for ref in REFERENCES if ref["platform"] == here]
    for expected in [ref["scenarios"][name] for ref in REFERENCES]:
        assert got["stopped_because"] == expected["stopped_because"]
        assert len(got["log"]) == len(expected["log"])
    if not candidates:
        pytest.skip(f"references recorded on {[r['platform'] for r in REFERENCES]}, this is {here}: float rounding differs "
                    "across platforms, so only the bitwise comparison on a recording platform is meaningful")
    mismatches = [_mismatch(got, expected) for expected in candidates]
    assert None in mismatches, "; ".join(mismatches)


def test_the_references_come_from_the_old_code_on_distinct_machines():
    assert len(REFERENCES) >= 1
    digests = [json.dumps(ref["scenarios"], sort_keys=True) for ref in REFERENCES]
    assert len(set(digests)) == len(digests)  # no duplicate reference
