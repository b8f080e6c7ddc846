"""Reading an RBM's hidden units (Tubiana, Cocco & Monasson, eLife 2019): a table ranking the units, weight logos of
the most important ones, and the distribution of each shown unit's input over the data, coloured by label.

- weight norm ||W_mu||_2 over all sites and states (after the per-site gauge sum_a W_i(a)_mu = 0, which moves nothing
  in p(v): a site-wise constant in W only shifts the unit's input by a constant, absorbed by its bias);
- sparsity: the participation ratio p_mu = (sum_i ||W_i_mu||^2)^2 / (L sum_i ||W_i_mu||^4), from 1/L (one site) to 1
  (every site equally): Tubiana et al.'s p_2;
- the sites carrying the unit: the smallest set of sites holding two thirds of its squared weight (at most
  TOP_SITES listed, by position).

Logos are drawn with matplotlib's TextPath (the technique of the logomaker package, which is not among seqebm's
dependencies): each state's letter stacked above zero with height W_i(a)_mu when positive, below when negative.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from seqebm.figures import pyplot as plt
from seqebm.figures import save_figure
from seqebm.io.dataset import SequenceDataset
from seqebm.models.rbm import RBM

TOP_SITES = 15
MAX_LOGO_SITES = 60  # wider logos show the sites of largest weight, in sequence order, labelled by position
# amino-acid colours by physico-chemical class (the convention of sequence-logo tools); other alphabets cycle
_CLASS_COLOURS = {**dict.fromkeys("AVLIMFWC", "#1f77b4"), **dict.fromkeys("DE", "#d62728"), **dict.fromkeys("KRH", "#9467bd"),
                  **dict.fromkeys("STNQYG", "#2ca02c"), "P": "#ff7f0e", "-": "#7f7f7f"}
_CYCLE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]


def gauged_weights(model: RBM) -> torch.Tensor:
    """(L, q, H) weights with zero sum over the states of each site (Bernoulli visible units as q = 2)."""
    weights, _ = model.visible.potts_form(model.weights.double(), model.visible_bias.double())
    return weights - weights.mean(1, keepdim=True)


def unit_table(model: RBM, data: SequenceDataset | None = None) -> pd.DataFrame:
    """One row per hidden unit, by decreasing weight norm: norm, sparsity (participation ratio), the sites holding
    two thirds of its squared weight, the mean and spread of its input over the (weighted) data, and the fraction of the
    data where its mean activity is above half its largest."""
    weights = gauged_weights(model)
    site_norm2 = (weights**2).sum(1)  # (L, H)
    norm2 = site_norm2.sum(0)
    participation = norm2**2 / (model.length * (site_norm2**2).sum(0)).clamp_min(1e-30)
    frame = pd.DataFrame({"unit": np.arange(model.n_hidden), "weight_norm": norm2.sqrt().numpy(),
                          "sparsity": participation.numpy(), "top_sites": [_top_sites(site_norm2[:, m]) for m in range(model.n_hidden)]})
    if data is not None:
        inputs = hidden_inputs(model, data)
        w = torch.as_tensor(data.weights, dtype=torch.float64)
        w = w / w.sum()
        mean = w @ inputs
        frame["input_mean"] = mean.numpy()
        frame["input_std"] = torch.sqrt(w @ (inputs - mean) ** 2).numpy()
        activity = model.hidden.mean((inputs + model.hidden_bias.double()).to(model.dtype), model._unit_parameters()).double()
        frame["active_fraction"] = (w @ (activity > 0.5 * activity.amax(0).clamp_min(1e-12)).double()).numpy()
    return frame.sort_values("weight_norm", ascending=False).reset_index(drop=True)


def _top_sites(site_norm2: torch.Tensor) -> str:
    order = torch.argsort(site_norm2, descending=True)
    cumulative = torch.cumsum(site_norm2[order], 0) / site_norm2.sum().clamp_min(1e-30)
    count = min(int((cumulative < 2 / 3 - 1e-9).sum()) + 1, TOP_SITES)
    return " ".join(str(int(i) + 1) for i in sorted(order[:count].tolist()))


def hidden_inputs(model: RBM, data: SequenceDataset) -> torch.Tensor:
    """I_mu(v) = sum_i W_i(v_i)_mu for every data sequence: (N, H) float64."""
    states = data.tensor(model.device)
    return torch.cat([model.hidden_input(model.visible_tensor(states[i : i + 8192])).double().cpu()
                      for i in range(0, states.shape[0], 8192)])


def draw_logo(ax, weights: np.ndarray, symbols: str, positions: np.ndarray | None = None) -> None:
    """A weight logo of (L, q) ``weights`` on ``ax``: letters stacked up (positive) and down (negative) from 0,
    each letter's height its weight, the largest nearest the axis."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.patches import PathPatch
    from matplotlib.textpath import TextPath
    from matplotlib.transforms import Affine2D

    font = FontProperties(family="DejaVu Sans Mono", weight="bold")
    colours = {s: _CLASS_COLOURS.get(s, _CYCLE[i % len(_CYCLE)]) for i, s in enumerate(symbols)}
    glyphs = {s: TextPath((0, 0), s, size=1, prop=font) for s in symbols}
    for x, row in enumerate(weights):
        for sign in (1, -1):
            base = 0.0
            for a in np.argsort(-sign * row):
                height = sign * row[a]
                if height <= 0:
                    break
                box = glyphs[symbols[a]].get_extents()
                transform = (Affine2D().translate(-box.x0, -box.y0).scale(0.9 / max(box.width, 1e-9), height / max(box.height, 1e-9))
                             .translate(x - 0.45, base if sign > 0 else -base - height))
                ax.add_patch(PathPatch(transform.transform_path(glyphs[symbols[a]]), facecolor=colours[symbols[a]], lw=0))
                base += height
    top = max(float(np.clip(weights, 0, None).sum(1).max()), 1e-3)
    bottom = max(float(np.clip(-weights, 0, None).sum(1).max()), 1e-3)
    ax.set_xlim(-0.6, len(weights) - 0.4)
    ax.set_ylim(-bottom * 1.05, top * 1.05)
    ax.axhline(0, color="black", lw=0.5)
    labels = positions if positions is not None else np.arange(1, len(weights) + 1)
    step = max(1, len(weights) // 20)
    ax.set_xticks(np.arange(0, len(weights), step), [str(p) for p in labels[::step]], fontsize=7)


def plot_units(model: RBM, table: pd.DataFrame, path: str | Path, data: SequenceDataset | None = None,
               labels: np.ndarray | None = None, n_units: int = 8) -> Path:
    """For each of the first ``n_units`` units of ``table``: its weight logo and, with data, the histogram of its
    input over the data (stacked by label when given)."""
    pyplot = plt()
    units = table["unit"].to_numpy()[:n_units]
    weights = gauged_weights(model).numpy()
    inputs = hidden_inputs(model, data).numpy() if data is not None else None
    columns = 2 if data is not None else 1
    fig, axes = pyplot.subplots(len(units), columns, figsize=(16 if columns == 2 else 13, 2.2 * len(units)), squeeze=False,
                                gridspec_kw={"width_ratios": [4, 1]} if columns == 2 else None)
    for row, unit in enumerate(units):
        w = weights[:, :, unit]
        positions = np.arange(1, model.length + 1)
        if model.length > MAX_LOGO_SITES:
            keep = np.sort(np.argsort(-(w**2).sum(1))[:MAX_LOGO_SITES // 2])
            w, positions = w[keep], positions[keep]
        draw_logo(axes[row, 0], w, model.alphabet.symbols, positions)
        info = table.iloc[row]
        axes[row, 0].set_title(f"unit {unit}: |W| {info['weight_norm']:.2f}, sparsity {info['sparsity']:.2f}", fontsize=9, loc="left")
        if inputs is not None:
            _input_histogram(axes[row, 1], inputs[:, unit], labels, data.weights)
    fig.tight_layout()
    return save_figure(fig, path)


def _input_histogram(ax, values: np.ndarray, labels: np.ndarray | None, weights: np.ndarray) -> None:
    bins = np.linspace(values.min(), values.max() + 1e-9, 40)
    if labels is None:
        ax.hist(values, bins=bins, weights=weights, color="gray")
    else:
        groups = pd.Series(labels).astype(str)
        names = groups.value_counts().index[:8]
        stacks = [values[(groups == name).to_numpy()] for name in names]
        stack_weights = [weights[(groups == name).to_numpy()] for name in names]
        ax.hist(stacks, bins=bins, weights=stack_weights, stacked=True, label=list(names))
        ax.legend(fontsize=6)
    ax.set_xlabel("input I(v) over the data", fontsize=8)
    ax.set_yticks([])


def write_unit_report(model: RBM, out_dir: str | Path, data: SequenceDataset | None = None, label_column: str | None = None,
                      n_units: int = 8) -> dict[str, Path]:
    """hidden_units.csv (every unit, ranked) and hidden_units.png (logos and input histograms of the first
    ``n_units``) in ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table = unit_table(model, data)
    table.to_csv(out / "hidden_units.csv", index=False)
    labels = None
    if data is not None and data.labels is not None and label_column is not None:
        labels = data.labels[label_column].reset_index(drop=True).to_numpy()
    figure = plot_units(model, table, out / "hidden_units.png", data, labels, n_units)
    return {"table": out / "hidden_units.csv", "figure": figure}
