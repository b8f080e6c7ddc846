"""Fixed-seed trainings give bitwise the same parameters, chains and logs as the code before the renovation of
issue 13 (reference recorded by tests/golden/record.py on that code)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.golden.record import platform_record
from tests.golden.scenarios import SCENARIOS, run

REFERENCE = json.loads((Path(__file__).parent / "golden" / "reference.json").read_text())


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_training_is_bitwise_unchanged(name):
    expected = REFERENCE["scenarios"][name]
    got = run(name)
    assert got["stopped_because"] == expected["stopped_because"]
    assert len(got["log"]) == len(expected["log"])
    here = platform_record()
    if here != REFERENCE["platform"]:
        pytest.skip(f"reference recorded on {REFERENCE['platform']}, this is {here}: float rounding differs across "
                    "platforms, so only the bitwise comparison on the recording platform is meaningful")
    assert got["digests"] == expected["digests"]
    assert got["log"] == expected["log"]
    # records gained entries since (the sampler); every recorded entry must be unchanged
    assert {k: got["training_state"][k] for k in expected["training_state"]} == expected["training_state"]
    assert {k: got["sampling"][k] for k in expected["sampling"]} == expected["sampling"]
