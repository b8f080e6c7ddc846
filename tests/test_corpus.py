"""The hostile-input corpus (tests/corpus): every case through the real CLI entry point and the Python API.

Bad inputs must give a one-line error on stderr naming the file (and the line/column when there is one), a
non-zero exit and no traceback; the API must raise the documented exception class; nothing may be written.
Odd-but-valid inputs (CRLF, UTF-16 with BOM, lowercase FASTA ...) must load with the right content.
"""
from __future__ import annotations

import csv
import shlex
import sys
from pathlib import Path

import pytest

import seqebm.errors as errors
from seqebm.cli.app import run
from seqebm.cli.data import is_model_file
from seqebm.errors import SeqebmError

CORPUS = Path(__file__).resolve().parent / "corpus"
FILES = CORPUS / "files"
with open(CORPUS / "cases.csv", newline="") as _fh:
    CASES = list(csv.DictReader(_fh))
BAD = [c for c in CASES if c["outcome"] == "error"]


def _argv(case: dict, out: Path) -> list[str]:
    return shlex.split(case["argv"].format(f=FILES, out=out))


def _options(argv: list[str]) -> tuple[list[str], dict[str, str]]:
    positional, options = [], {}
    i = 0
    while i < len(argv):
        if argv[i].startswith("--"):
            options[argv[i][2:]] = argv[i + 1]
            i += 2
        else:
            positional.append(argv[i])
            i += 1
    return positional, options


def _call_api(argv: list[str], out: Path):
    """The Python API equivalent of a corpus command line."""
    from seqebm import fit, load_dataset
    from seqebm.analysis import analyze
    from seqebm.models.adabmdca import read_adabmdca
    from seqebm.models.files import load_model

    command, *rest = argv
    positional, opt = _options(rest)
    if command == "info":
        return load_dataset(positional[0], format=opt.get("format"), alphabet=opt.get("alphabet"), labels=opt.get("labels"))
    if command == "fit":
        return fit(load_dataset(positional[0]), out_dir=out, max_updates=int(opt.get("updates", 2)), n_chains=100)
    if command == "sample":
        if "fix" in opt:
            from seqebm.cli.sample import Design, generate

            return generate(positional[0], n=int(opt["n"]), out=opt["out"], design=Design(fix=opt["fix"]))
        return load_model(positional[0])
    if command == "convert":
        from seqebm.cli.data import parameter_format
        from seqebm.models.plmc import read_plmc

        parameter_format(Path(positional[1]), reading=False)
        source = Path(positional[0])
        if parameter_format(source, reading=True) == "plmc":
            return read_plmc(source)
        return load_model(source) if is_model_file(source) else read_adabmdca(source)
    if command == "dms":
        from seqebm.cli.dms import run_dms

        return run_dms(positional[0], opt["wt"], opt.get("mutants"), out=opt["out"])
    if command == "score":
        from seqebm.cli.score import score_file

        return score_file(positional[0], positional[1])
    if command == "contacts":
        from seqebm.cli.contacts import run_contacts

        return run_contacts(positional[0], distances=opt.get("distances"), out=opt["out"])
    if command == "analyze":
        data = load_dataset(opt["data"])
        return analyze(data, load_dataset(opt["samples"]), out)
    raise AssertionError(command)


def _files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_corpus_is_large_enough():
    assert len(BAD) >= 30
    assert len({c["case"] for c in CASES}) == len(CASES)
    for case in CASES:
        for token in _argv(case, Path("out")):
            if token.startswith(str(FILES)) and "no_such" not in token and "does_not" not in token:
                assert Path(token).exists(), f"{case['case']}: corpus file {token} missing (run make_corpus.py)"


@pytest.mark.parametrize("case", CASES, ids=[c["case"] for c in CASES])
def test_cli(case, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    monkeypatch.setattr(sys, "argv", ["seqebm", *_argv(case, out)])
    monkeypatch.setenv("COLUMNS", "300")
    code = 0
    try:
        run()
    except SystemExit as exc:
        code = exc.code
    stdout, stderr = capsys.readouterr()
    if case["outcome"] == "error":
        assert code not in (0, None)
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert len(lines) == 1, stderr
        assert lines[0].startswith("error: ")
        assert "Traceback" not in stderr + stdout
        assert case["where"] in lines[0], lines[0]
        assert _files_under(out) == [], "a failed command left files behind"
    else:
        assert code in (0, None), stderr
        for item in case["expect"].split(";"):
            key, value = item.split("=")
            label = {"N": "N (sequences)", "L": "L (length)", "q": "q (states)"}[key]
            assert any(label in line and line.split("│")[-2].strip() == value for line in stdout.splitlines()), stdout


@pytest.mark.parametrize("case", CASES, ids=[c["case"] for c in CASES])
def test_api(case, tmp_path):
    out = tmp_path / "out"
    argv = _argv(case, out)
    if case["outcome"] == "error":
        error_type = getattr(errors, case["error"])
        with pytest.raises(error_type) as info:
            _call_api(argv, out)
        assert isinstance(info.value, SeqebmError)
        message = str(info.value)
        assert "\n" not in message
        assert case["where"] in message
        assert _files_under(out) == []
    else:
        ds = _call_api(argv, out)
        expect = dict(item.split("=") for item in case["expect"].split(";"))
        assert (ds.n_sequences, ds.length, ds.q) == (int(expect["N"]), int(expect["L"]), int(expect["q"]))


def test_odd_inputs_have_the_same_content():
    """CRLF, CR, BOMs, UTF-16, lowercase and wrapping change nothing: same states as good.fasta."""
    from seqebm import load_dataset

    reference = load_dataset(FILES / "good.fasta").sequences
    for name in ("crlf.fasta", "old_mac_cr.fasta", "utf16_bom.fasta", "utf8_bom.fasta", "all_lowercase.fasta",
                 "wrapped_with_spaces.fasta"):
        assert (load_dataset(FILES / name).sequences == reference).all(), name


def test_pickles_are_never_executed(capsys):
    """Loading the corpus pickles must not run their payload (it would print)."""
    from seqebm.models.files import load_model
    from seqebm.io.genotypes import load_npy

    for loader, name in ((load_model, "model_pickle.npz"), (load_npy, "genotype_pickle.npy")):
        with pytest.raises(SeqebmError):
            loader(FILES / name)
    assert "unpickled" not in capsys.readouterr().out
