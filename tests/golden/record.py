"""Write reference.json from the code as it stands: ``python tests/golden/record.py`` (run once, before the
renovation of issue 13; the file records the platform it was made on)."""
from __future__ import annotations

import json
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))


def platform_record() -> dict:
    import numpy
    import torch

    return {"torch": torch.__version__, "numpy": numpy.__version__, "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "machine": platform.machine()}


def main() -> None:
    from tests.golden.scenarios import SCENARIOS, run

    record = {"platform": platform_record(), "scenarios": {name: run(name) for name in SCENARIOS}}
    (HERE / "reference.json").write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    print(f"wrote {HERE / 'reference.json'}")


if __name__ == "__main__":
    main()
