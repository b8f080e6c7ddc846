"""The image and multimodal benchmarks on tiny settings: files, tables and what must hold even when small."""
import pandas as pd

from seqebm.benchmarks import images, multimodal


def test_images_bench_tiny(tmp_path):
    config = dict(n_images=300, hidden=16, n_chains=200, n_eval=200, t_max=100, lr=0.02,
                  regimes={"rdm-10": (dict(regime="rdm", k=10), 60), "pcd-10": (dict(regime="pcd", k=10), 20)})
    table = images.run(tmp_path, config=config, log=lambda m: None)
    for name in ("results.csv", "summary.md", "quality_vs_time.png", "samples_vs_time.png"):
        assert (tmp_path / name).stat().st_size > 0
    assert set(table["training"]) == {"rdm-10", "pcd-10"}
    assert {"AA_TS", "gzip ratio", "pixel density error", "digit JS divergence"} <= set(table.columns)
    rdm = table[table["training"] == "rdm-10"].set_index("t")
    assert rdm.index.min() == 1 and rdm.index.max() == 100
    assert ((table["AA_TS"] >= 0) & (table["AA_TS"] <= 1)).all()
    # one Gibbs step from uniform noise is far from digits; the trained k=10 dynamics gets much closer
    assert abs(rdm.loc[10, "AA_TS"] - 0.5) < abs(rdm.loc[1, "AA_TS"] - 0.5)
    summary = (tmp_path / "summary.md").read_text()
    assert "rdm-10: best samples near t = k" in summary and "Made by: `seqebm bench images" in summary


def test_multimodal_bench_tiny(tmp_path):
    config = dict(n_chains=200, updates=20, n_samples=300, long_t=50, max_labels=6, eq_updates=3)
    table = multimodal.run(tmp_path, config=config, datasets=["805SNP"], log=lambda m: None)
    for name in ("results.csv", "summary.md", "805SNP_pca.png", "805SNP_labels.png"):
        assert (tmp_path / name).stat().st_size > 0
    assert list(table["samples"]) == ["rdm-10, t=10", "pcd-10, long run", "eq-ptt"]
    assert (table["labels in data (>1%)"] == 5).all()  # AFR AMR EAS EUR SAS
    assert ((table["label JS divergence"] >= 0) & (table["label JS divergence"] <= 1)).all()
    assert table["pearson f_i"].between(-1, 1).all() and table["pearson C_ij"].between(-1, 1).all()
    assert table["pearson f_i"].iloc[0] > 0.5  # the rdm-10 generator has the allele frequencies even after 20 updates
    assert ((table["min share ratio"] >= 0) & (table["min share ratio"] <= table["labels in data (>1%)"])).all()
    assert "the eq-ptt model covers every mode" in (tmp_path / "summary.md").read_text()
    assert pd.read_csv(tmp_path / "results.csv").shape[0] == 3
