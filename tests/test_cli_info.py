import subprocess
import sys

import pytest

from tests.paths import HAPT, MNIST, PF00014


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "seqebm", *map(str, args)], capture_output=True, text=True, cwd=cwd)


@pytest.mark.parametrize(
    "args, expected",
    [
        ((PF00014,), ["13600", "53", "21"]),
        ((HAPT, "--no-weights"), ["5008", "805", "binary"]),
        ((MNIST, "--no-weights"), ["10000", "784", "28x28"]),
    ],
)
def test_info_prints_sizes(args, expected):
    proc = run_cli("info", *args)
    assert proc.returncode == 0, proc.stderr
    for value in expected:
        assert value in proc.stdout


def test_info_reports_m_eff_for_pf00014():
    proc = run_cli("info", PF00014)
    assert "M_eff" in proc.stdout and "4363.9" in proc.stdout


@pytest.mark.parametrize(
    "content, fragment",
    [(">s\nAC\n>t\nA\n", "ragged"), ("", "empty"), (">s\nA#C\n", "symbol '#'")],
)
def test_info_bad_input_is_one_line(tmp_path, content, fragment):
    path = tmp_path / "bad.fasta"
    path.write_text(content)
    proc = run_cli("info", path)
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert fragment in lines[0] and "bad.fasta" in lines[0]


def test_unknown_alphabet_option_is_an_error(tmp_path):
    path = tmp_path / "a.fasta"
    path.write_text(">s\nAC\n")
    proc = run_cli("info", path, "--alphabet", "z")
    assert proc.returncode != 0 and "unknown alphabet" in proc.stderr
