import gzip
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from seqebm import load_model, read_msa
from tests.paths import HAPT


def run_cli(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "seqebm", *map(str, args)], capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="module")
def trained(tiny_msa, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    proc = run_cli("fit", tiny_msa, "--updates", "6", "--chains", "200", "--target", "0", "--k", "5", "--out", out, "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    return out


def test_fit_writes_model_log_curve_and_checkpoint(trained):
    for name in ("model.npz", "checkpoint.npz", "log.csv", "training_curve.png"):
        assert (trained / name).stat().st_size > 0, name
    model = load_model(trained / "model.npz")
    assert model.kind == "potts" and model.length == 53 and model.q == 21
    training = model.metadata["training"]
    assert training["regime"] == "rdm" and training["k"] == 5 and training["n_chains"] == 200
    assert model.metadata["sampling"]["k"] == 5
    log = (trained / "log.csv").read_text().splitlines()
    assert log[0].startswith("update,seconds,pearson") and len(log) == 7


def test_sample_uses_training_dynamics_and_warns_otherwise(trained, tmp_path):
    proc = run_cli("sample", trained / "model.npz", "--n", "50", "--out", tmp_path / "s.fasta", "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    assert "warning" not in proc.stderr
    samples = read_msa(tmp_path / "s.fasta")
    assert samples.n_sequences == 50 and samples.length == 53
    proc = run_cli("sample", trained / "model.npz", "--n", "20", "--k", "50", "--out", tmp_path / "t.fasta", "--device", "cpu")
    assert proc.returncode == 0 and "out of equilibrium" in proc.stderr
    proc = run_cli("sample", trained / "model.npz", "--n", "20", "--times", "0,1,5", "--out", tmp_path / "u.fasta", "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    for t in (0, 1, 5):
        assert read_msa(tmp_path / f"u_t{t}.fasta").n_sequences == 20


def test_resume_from_cli(tiny_msa, trained):
    proc = run_cli("fit", tiny_msa, "--updates", "8", "--chains", "200", "--target", "0", "--k", "5", "--out", trained, "--resume", "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    assert len((trained / "log.csv").read_text().splitlines()) == 9


@pytest.mark.parametrize(
    "args, fragment",
    [(("--regime", "sa"), "unknown regime"), (("--model", "vae"), "unknown model"), (("--init", "zeros"), "unknown init"),
     (("--device", "tpu"), "device")],
)
def test_fit_bad_options_exit_nonzero_with_one_line(tiny_msa, tmp_path, args, fragment):
    proc = run_cli("fit", tiny_msa, "--updates", "1", "--out", tmp_path, *args)
    assert proc.returncode != 0
    assert fragment in proc.stderr and "Traceback" not in proc.stderr


def test_sigterm_writes_a_checkpoint_then_resume_finishes(tiny_msa, tmp_path):
    args = [sys.executable, "-m", "seqebm", "fit", str(tiny_msa), "--updates", "100000", "--chains", "200", "--target", "0",
            "--k", "5", "--out", str(tmp_path), "--checkpoint-every", "100000", "--device", "cpu"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and not (tmp_path / "log.csv").exists():
        time.sleep(0.2)
    time.sleep(3.0)  # let it train a few updates past its start
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "checkpoint written" in err and "--resume" in err
    model = load_model(tmp_path / "checkpoint.npz")
    done = model.metadata["training_state"]["update"]
    assert done >= 1
    # as the message says: only --out and --resume; the options the run started with come from the checkpoint
    proc = run_cli("fit", tiny_msa, "--updates", str(done + 2), "--out", tmp_path, "--resume", "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    model = load_model(tmp_path / "model.npz")
    assert model.metadata["training_state"]["update"] == done + 2
    training = model.metadata["training"]
    assert (training["k"], training["n_chains"], training["target_pearson"], training["lr_changes"]) == (5, 200, None, [])


def test_resume_with_another_learning_rate_is_recorded(tiny_msa, tmp_path):
    common = ["--chains", "200", "--target", "0", "--regime", "pcd", "--k", "3", "--out", tmp_path, "--device", "cpu"]
    proc = run_cli("fit", tiny_msa, "--updates", "3", *common)
    assert proc.returncode == 0, proc.stderr
    # pcd's end check is shown whatever its verdict: a line on stdout when the chains kept up, else a warning
    assert ("pcd-3: the persistent chains kept up" in proc.stdout or "pcd-3 trained OUT OF EQUILIBRIUM" in proc.stderr
            or "pcd-3: equilibrium not established" in proc.stderr)
    proc = run_cli("fit", tiny_msa, "--updates", "5", "--lr", "0.005", "--out", tmp_path, "--resume", "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    assert "resuming at update 3 with lr=0.005 (the run so far used 0.02)" in proc.stderr
    training = load_model(tmp_path / "model.npz").metadata["training"]
    assert training["lr"] == 0.005 and training["lr_changes"] == [{"update": 3, "lr": 0.005}]
    assert training["regime"] == "pcd" and training["k"] == 3
    proc = run_cli("fit", tiny_msa, "--updates", "6", "--k", "4", "--out", tmp_path, "--resume", "--device", "cpu")
    assert proc.returncode != 0 and "cannot resume with k=4" in proc.stderr


def test_rbm_default_for_haplotypes_writes_hapt(tmp_path):
    lines = gzip.open(HAPT, "rt").read().splitlines()[:200]
    data = tmp_path / "small.hapt"
    data.write_text("\n".join(lines) + "\n")
    proc = run_cli("fit", data, "--updates", "3", "--chains", "100", "--target", "0", "--hidden", "10", "--out", tmp_path / "r", "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    assert load_model(tmp_path / "r" / "model.npz").kind == "rbm"
    proc = run_cli("sample", tmp_path / "r" / "model.npz", "--n", "10", "--out", tmp_path / "g.hapt", "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    rows = (tmp_path / "g.hapt").read_text().splitlines()
    assert len(rows) == 10 and len(rows[0].split()) == 805 + 2
    assert set(np.unique(np.array([r.split()[2:] for r in rows]))) <= {"0", "1"}


def test_switches_whose_default_depends_on_the_model_can_be_turned_off(tiny_msa, tmp_path):
    """Options such as --centered or --lr-control default to a per-model / per-regime choice (None until resolved); the
    command line sets them either way (--no-NAME), and leaving them out keeps the resolved default."""
    common = ["--updates", "2", "--chains", "100", "--target", "0", "--regime", "pcd", "--k", "2", "--device", "cpu"]
    proc = run_cli("fit", tiny_msa, *common, "--no-lr-control", "--centered", "--out", tmp_path / "a")
    assert proc.returncode == 0, proc.stderr
    training = load_model(tmp_path / "a" / "model.npz").metadata["training"]
    assert training["lr_control"] is False and training["centered"] is True
    assert run_cli("fit", tiny_msa, *common, "--out", tmp_path / "b").returncode == 0
    training = load_model(tmp_path / "b" / "model.npz").metadata["training"]
    assert training["lr_control"] is True and training["centered"] is False  # persistent regime, Potts model
