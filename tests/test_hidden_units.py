"""Hidden-unit types against numerical integration and exact enumeration (issue 16).

Every continuous unit is checked where its formulas are easy to get wrong: very negative inputs (a ReLU unit that
is almost never on), very positive ones, beta != 1, and dReLU units with a gap (delta > 0) or two modes (delta < 0).
"""
import math

import pandas as pd

import pytest
import torch

from seqebm.models import RBM
from seqebm.models.files import load_model, save_model
from seqebm.models.halfgauss import ndtri_exp
from seqebm.models.hidden import HIDDEN_UNITS, hidden_units
from seqebm.sampling import sample
from tests.exact import all_states, exact_marginals

CONTINUOUS = ["gaussian", "relu", "drelu"]
FIELDS = torch.tensor([-300.0, -40.0, -6.0, -1.0, 0.0, 0.7, 3.0, 25.0], dtype=torch.float64)


def unit_parameters(kind: str, n: int, seed: int = 0) -> dict[str, torch.Tensor]:
    """Varied parameters for n units: curvatures in [0.4, 2.5], dReLU thresholds from -1.5 (bimodal) to 1.5 (gap)."""
    g = torch.Generator().manual_seed(seed)
    params = {}
    for name in HIDDEN_UNITS[kind].extra_parameters:
        if name.startswith("gamma"):
            params[name] = 0.4 + 2.1 * torch.rand(n, generator=g, dtype=torch.float64)
        else:
            params[name] = torch.linspace(-1.5, 1.5, n, dtype=torch.float64)
    return params


def grid_density(kind: str, x: float, params: dict[str, float], beta: float):
    """(h, log of the unnormalised density exp(-beta U(h) + x h)) on a grid fine enough for the trapezoid rule, with
    a node at h = 0 (where ReLU and dReLU densities have their kink)."""
    def side(curvature: float, linear: float) -> torch.Tensor:  # h >= 0 part with density exp(-a h^2/2 + linear h)
        a = beta * curvature
        top = max(linear / a, 0.0) + 16 / math.sqrt(a)
        if linear < 0:  # an exponential tail of scale 1 / |linear|: keep the grid on it
            top = min(top, 50 / abs(linear))
        return torch.linspace(0.0, top, 400_001, dtype=torch.float64)

    if kind == "gaussian":
        a = beta * params["gamma"]
        h = torch.linspace(x / a - 16 / math.sqrt(a), x / a + 16 / math.sqrt(a), 400_001, dtype=torch.float64)
        return h, -0.5 * a * h * h + x * h
    if kind == "relu":
        h = side(params["gamma"], x)
        return h, -0.5 * beta * params["gamma"] * h * h + x * h
    d = beta * params["delta"]
    plus, minus = side(params["gamma_plus"], x - d), side(params["gamma_minus"], -(x + d))
    h = torch.cat([-minus.flip(0)[:-1], plus])
    curvature = torch.where(h > 0, params["gamma_plus"], params["gamma_minus"])
    return h, -0.5 * beta * curvature * h * h - d * h.abs() + x * h


def integrate(h: torch.Tensor, log_density: torch.Tensor, g=lambda h: torch.ones_like(h)) -> float:
    shift = log_density.max()
    return float(torch.trapezoid(torch.exp(log_density - shift) * g(h), h)), float(shift)


def integrated_moments(h: torch.Tensor, log_density: torch.Tensor) -> tuple[float, float, float, float]:
    """(z, shift, E[h], E[h^2]) of the grid density: its normaliser exp(shift) z and first two moments."""
    z, shift = integrate(h, log_density)
    return z, shift, integrate(h, log_density, lambda t: t)[0] / z, integrate(h, log_density, lambda t: t * t)[0] / z


@pytest.mark.parametrize("kind", CONTINUOUS)
@pytest.mark.parametrize("beta", [1.0, 0.5])
def test_cumulant_mean_variance_and_unit_statistics_match_numerical_integration(kind, beta):
    units = hidden_units(kind)
    n_units = 5
    params = unit_parameters(kind, n_units)
    field = FIELDS[:, None].expand(-1, n_units).contiguous()
    if kind == "gaussian":
        field = field.clamp(-40, 25)  # a Gaussian unit's density at x = -300 is a plain Gaussian far out: nothing new
    cumulant = torch.stack([units.cumulant(field[:, m : m + 1], {k: v[m : m + 1] for k, v in params.items()}, beta)
                            for m in range(n_units)], 1)
    mean, var = units.mean(field, params, beta), units.variance(field, params, beta)
    stats = units.parameter_statistics(field, params, torch.eye(field.shape[0], dtype=torch.float64)) if beta == 1 else {}
    for i in range(field.shape[0]):
        for m in range(n_units):
            x = float(field[i, m])
            p = {k: float(v[m]) for k, v in params.items()}
            h, log_density = grid_density(kind, x, p, beta)
            z, shift, m1, m2 = integrated_moments(h, log_density)
            # the cumulant leaves out -1/2 log beta (see seqebm.models.hidden)
            assert float(cumulant[i, m]) == pytest.approx(math.log(z) + shift + 0.5 * math.log(beta), rel=1e-6, abs=1e-6)
            assert float(mean[i, m]) == pytest.approx(m1, rel=1e-5, abs=1e-9)
            assert float(var[i, m]) == pytest.approx(m2 - m1 * m1, rel=1e-4, abs=1e-9)
            if stats:
                expected = {"gamma": -0.5 * m2} if kind != "drelu" else {
                    "gamma_plus": -0.5 * integrate(h, log_density, lambda t: t * t * (t > 0))[0] / z,
                    "gamma_minus": -0.5 * integrate(h, log_density, lambda t: t * t * (t < 0))[0] / z,
                    "delta": -integrate(h, log_density, lambda t: t.abs())[0] / z}
                for name, value in expected.items():
                    assert float(stats[name][i, m]) == pytest.approx(value, rel=1e-4, abs=1e-9), name


@pytest.mark.parametrize("kind", CONTINUOUS)
def test_draws_follow_the_conditional_distribution(kind):
    """Means, variances and the probability of lying below the mean of 200,000 draws within 5 sigma of the exact
    values, at moderate and extreme inputs; every draw finite and inside the support."""
    units = hidden_units(kind)
    n_draws = 200_000
    params = unit_parameters(kind, 1, seed=3)
    for x in (-300.0, -5.0, 0.0, 1.2, 40.0):
        if kind == "gaussian" and abs(x) > 100:
            continue
        field = torch.full((n_draws, 1), x, dtype=torch.float64)
        uniforms = torch.rand(n_draws, 1, generator=torch.Generator().manual_seed(int(abs(x) * 10)), dtype=torch.float64)
        for beta in (1.0, 0.6):
            h = units.sample_(field.clone(), params, uniforms, beta)[:, 0]
            assert bool(torch.isfinite(h).all())
            if kind == "relu":
                assert bool((h >= 0).all())
            mean, var = float(units.mean(field[:1], params, beta)), float(units.variance(field[:1], params, beta))
            assert abs(float(h.mean()) - mean) < 5 * math.sqrt(var / n_draws) + 1e-12, (x, beta)
            fourth = float(((h - mean) ** 4).mean())
            assert abs(float(h.var()) - var) < 5 * math.sqrt(max(fourth - var * var, 0) / n_draws) + 1e-12, (x, beta)
            p = {k: float(v[0]) for k, v in params.items()}
            grid, log_density = grid_density(kind, x, p, beta)
            below = integrate(grid, log_density, lambda t: (t <= mean).double())[0] / integrate(grid, log_density)[0]
            assert abs(float((h <= mean).double().mean()) - below) < 5 * math.sqrt(below * (1 - below) / n_draws) + 1e-4


def test_inverse_normal_cdf_of_log_probabilities_far_in_the_tail():
    log_p = torch.tensor([-1e-3, -2.0, -50.0, -700.0, -5000.0, -1e5], dtype=torch.float64)
    x = ndtri_exp(log_p)
    torch.testing.assert_close(torch.special.log_ndtr(x), log_p, rtol=1e-10, atol=1e-12)


def small_rbm(kind: str, q: int | None, seed: int = 0) -> RBM:
    g = torch.Generator().manual_seed(seed)
    length, n_hidden = (4, 2) if q else (7, 3)
    model = RBM.random(length, n_hidden, q=q, std=0.6, generator=g, hidden=kind, dtype=torch.float64)
    model.visible_bias = torch.randn(model.visible_bias.shape, generator=g, dtype=torch.float64) * 0.5
    model.hidden_bias = torch.randn(n_hidden, generator=g, dtype=torch.float64) * 0.5
    for name, value in unit_parameters(kind, n_hidden, seed).items():
        setattr(model, name, value)
    return model


@pytest.mark.parametrize("kind", CONTINUOUS)
def test_free_energy_is_the_joint_integrated_over_hidden_units(kind):
    """exp(-F(v)) = int exp(-E(v, h)) dh, numerically, unit by unit (the integral factorises)."""
    model = small_rbm(kind, 3)
    v = all_states(model.length, model.q)[::7]
    params = {k: float(v_[0]) for k, v_ in model._unit_parameters().items()}
    field = model.hidden_bias + model.hidden_input(v)
    expected = model.visible.bias_term(v, model.visible_bias).clone()
    for m in range(model.n_hidden):
        single = {k: float(getattr(model, k)[m]) for k in params}
        for n in range(v.shape[0]):
            h, log_density = grid_density(kind, float(field[n, m]), single, 1.0)
            z, shift = integrate(h, log_density)
            expected[n] += math.log(z) + shift
    torch.testing.assert_close(-model.free_energy(v), expected, rtol=1e-6, atol=1e-6)
    # the joint energy integrates to the same: check one sequence and unit by the grid of E(v, h) itself
    h, _ = grid_density(kind, float(field[0, 0]), {k: float(getattr(model, k)[0]) for k in params}, 1.0)
    assert bool(torch.isfinite(model.energy(v[:1].expand(5, -1), h[:5, None].expand(-1, model.n_hidden))).all())


@pytest.mark.parametrize("kind", CONTINUOUS)
@pytest.mark.parametrize("q", [None, 3])
def test_gibbs_reproduces_marginals_of_enumeration(kind, q):
    """Block Gibbs with continuous hidden units against the exact marginals over visibles, hidden integrated out."""
    model = small_rbm(kind, q).to(dtype=torch.float32)
    v = all_states(model.length, model.q)
    fi, fij = exact_marginals(model.free_energy(v).double(), v, model.q)
    samples = sample(model, 40000, k=30, seed=5)
    from tests.test_models_sampling import assert_marginals_close
    assert_marginals_close(samples, fi, fij, model.q)


@pytest.mark.parametrize("kind", CONTINUOUS)
def test_gradient_is_the_derivative_of_the_exact_log_likelihood(kind):
    """Data minus model statistics (model statistics by enumeration) against finite differences of the mean
    log-likelihood, for every parameter tensor including the unit's own; the scale gauge is flat and not trained."""
    model = small_rbm(kind, 3, seed=1)
    states = all_states(model.length, model.q)
    data = states[torch.randperm(states.shape[0], generator=torch.Generator().manual_seed(0))[:30]]

    def mean_loglik(m: RBM) -> float:
        return float(m.log_weight(data).mean() - torch.logsumexp(m.log_weight(states), 0))

    p = torch.softmax(model.log_weight(states), 0)
    data_stats, model_stats = model.statistics(data), model.statistics(states, weights=p)
    raw = {name: data_stats[name] - model_stats[name] for name in model.parameter_names}  # dL/d(theta)
    grad = model.gradient(data_stats, model_stats, centered=False)
    # the likelihood is flat along the scale gauge: sum over parameters of theta dL/dtheta (curvatures counted twice)
    # vanishes unit by unit; the gradient used for training has no component along it
    along = (model.weights * raw["weights"]).sum(0).sum(0) + model.hidden_bias * raw["hidden_bias"]
    for name in HIDDEN_UNITS[kind].extra_parameters:
        along = along + (2 if name.startswith("gamma") else 1) * getattr(model, name) * raw[name]
    torch.testing.assert_close(along, torch.zeros_like(along), atol=1e-9, rtol=0)
    if kind == "drelu":
        normal = torch.stack([model.gamma_plus**-2, model.gamma_minus**-2])
        assert float(((torch.stack([grad["gamma_plus"], grad["gamma_minus"]]) * normal).sum(0)).abs().max()) < 1e-12
    else:
        assert float(grad["gamma"].abs().max()) == 0.0
    grad = {**grad, **{name: raw[name] for name in HIDDEN_UNITS[kind].extra_parameters}}
    eps = 1e-5
    for name in model.parameter_names:
        tensor = getattr(model, name)
        for index in [(0,) * tensor.ndim, tuple(s - 1 for s in tensor.shape)]:
            old = float(tensor[index])
            tensor[index] = old + eps
            up = mean_loglik(model)
            tensor[index] = old - eps
            down = mean_loglik(model)
            tensor[index] = old
            assert float(grad[name][index]) == pytest.approx((up - down) / (2 * eps), rel=1e-4, abs=1e-7), (name, index)


def test_gaussian_units_make_an_exactly_pairwise_model():
    """With Gaussian hidden units the marginal is exactly a Potts model, J = sum_mu W W / gamma: the effective
    couplings (which use each unit type's variance) reproduce log p(v) up to a constant."""
    model = small_rbm("gaussian", 3)
    v = all_states(model.length, model.q)
    difference = model.log_weight(v) - model.pairwise_model().log_weight(v).double()
    assert float(difference.max() - difference.min()) < 1e-9


@pytest.mark.parametrize("kind", list(HIDDEN_UNITS))
def test_model_files_record_the_unit_type(kind, tmp_path):
    model = small_rbm(kind, 3) if kind != "bernoulli" else RBM.random(4, 2, q=3, hidden="bernoulli")
    save_model(model, tmp_path / "m.seqebm")
    loaded = load_model(tmp_path / "m.seqebm")
    assert loaded.hidden.kind == kind
    for name in model.parameter_names:
        torch.testing.assert_close(getattr(loaded, name), getattr(model, name))


@pytest.mark.parametrize("kind", CONTINUOUS)
def test_projection_keeps_curvatures_positive(kind):
    model = small_rbm(kind, 3)
    for name in HIDDEN_UNITS[kind].extra_parameters:
        if name.startswith("gamma"):
            getattr(model, name)[0] = -1.0
    model.project_()
    for name in HIDDEN_UNITS[kind].extra_parameters:
        if name.startswith("gamma"):
            assert float(getattr(model, name).min()) > 0


@pytest.mark.parametrize("kind", CONTINUOUS)
def test_projection_fixes_the_scale_gauge_without_changing_the_model(kind):
    """h' = a h leaves p(v) unchanged: after the projection the unit curvature is 1 and log p(v) differs from the
    model's before it by a constant only."""
    model = small_rbm(kind, 3, seed=2)
    v = all_states(model.length, model.q)
    before = model.log_weight(v)
    model.project_()
    after = model.log_weight(v)
    assert float((after - before).max() - (after - before).min()) < 1e-9
    units = model.hidden
    torch.testing.assert_close(units._gauge_curvature(model._unit_parameters()), torch.ones(model.n_hidden, dtype=torch.float64))


def test_unit_table_ranks_units_and_finds_the_sites_they_carry(tmp_path):
    """A planted RBM: unit 1 couples two sites strongly (a 'contact' unit), unit 0 spreads weakly over all sites.
    The table ranks unit 1 first, with sparsity 2/L and those two sites; the CLI writes logos and histograms."""
    from typer.testing import CliRunner

    from cli.main import app
    from seqebm.analysis.hidden_units import unit_table
    from seqebm.io.writers import write_fasta

    length, q = 10, 4
    weights = torch.zeros(length, q, 2)
    weights[:, :, 0] = 0.3 * torch.tensor([1.0, -1.0, 0.5, -0.5])  # zero-sum at every site: all sites alike
    weights[2, :, 1] = torch.tensor([3.0, -1.0, -1.0, -1.0])
    weights[7, :, 1] = torch.tensor([3.0, -1.0, -1.0, -1.0])
    model = RBM(weights, torch.zeros(length, q), torch.tensor([0.0, -3.0]), alphabet="ACDE", hidden="drelu",
                gamma_plus=torch.ones(2), gamma_minus=torch.ones(2), delta=torch.zeros(2))
    states = sample(model, 300, 20, seed=0)
    write_fasta(tmp_path / "d.fasta", states.numpy(), model.alphabet, [f"s{i}" for i in range(300)])
    from seqebm.io.load import load_dataset
    table = unit_table(model, load_dataset(tmp_path / "d.fasta", alphabet="ACDE"))
    assert list(table["unit"]) == [1, 0]
    assert table.loc[0, "sparsity"] == pytest.approx(2 / length)
    assert table.loc[1, "sparsity"] == pytest.approx(1.0)
    assert table.loc[0, "top_sites"] == "3 8"
    save_model(model, tmp_path / "m.npz")
    result = CliRunner().invoke(app, ["analyze", "--model", str(tmp_path / "m.npz"), "--data", str(tmp_path / "d.fasta"),
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "hidden_units.png").stat().st_size > 10_000
    written = pd.read_csv(tmp_path / "out" / "hidden_units.csv")
    assert list(written["unit"]) == [1, 0] and {"input_mean", "input_std", "active_fraction"} <= set(written.columns)
    # without samples a Potts model has nothing to analyse: a clear error, not a traceback
    result = CliRunner().invoke(app, ["analyze", "--data", str(tmp_path / "d.fasta"), "--out", str(tmp_path / "o2")])
    assert result.exit_code != 0 and "RBM" in result.output


@pytest.mark.parametrize("kind", list(HIDDEN_UNITS))
def test_centred_gradient_offsets_unbounded_units_by_nothing(kind):
    """Bernoulli units are centred on their data mean h_bar; continuous units only through the visible offsets (their
    h_bar grows with the weights and made persistent training blow up)."""
    model = small_rbm(kind, 3) if kind != "bernoulli" else RBM.random(4, 2, q=3, dtype=torch.float64)
    states = all_states(model.length, model.q)
    data, chains = model.statistics(states[:40]), model.statistics(states[40:90])
    plain = model.gradient(data, chains, centered=False)
    centred = model.gradient(data, chains, centered=True)
    v_bar = data["visible_bias"]
    h_bar = data["hidden_bias"] if kind == "bernoulli" else torch.zeros_like(data["hidden_bias"])
    dw = plain["weights"] - v_bar[..., None] * plain["hidden_bias"] - plain["visible_bias"][..., None] * h_bar
    torch.testing.assert_close(centred["weights"], dw)
    torch.testing.assert_close(centred["visible_bias"], plain["visible_bias"] - dw @ h_bar)
    torch.testing.assert_close(centred["hidden_bias"], plain["hidden_bias"] - (v_bar[..., None] * dw).reshape(-1, model.n_hidden).sum(0))


def _hidden_variance_by_integration(model: RBM, states: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Var(h_mu) under p(h | v) averaged over the weighted states, by numerical integration of each conditional."""
    field = (model.hidden_bias + model.hidden_input(model.visible_tensor(states))).double()
    params = {name: getattr(model, name).double() for name in model.hidden.extra_parameters}
    out = torch.zeros(model.n_hidden, dtype=torch.float64)
    for mu in range(model.n_hidden):
        first = second = 0.0
        unit = {name: float(value[mu]) for name, value in params.items()}
        for x, w in zip(field[:, mu].tolist(), weights.tolist()):
            _, _, m1, m2 = integrated_moments(*grid_density(model.hidden.kind, x, unit, 1.0))
            first += w * m1
            second += w * m2
        out[mu] = second - first * first
    return out


@pytest.mark.parametrize("kind", CONTINUOUS)
def test_variance_gauge_gives_unit_variance_over_the_data_and_keeps_the_model(kind):
    """The gauge fixed from data statistics: the variance of each unit over the (weighted) data, E[Var(h|v)] +
    Var(E[h|v]) checked by numerical integration, is 1 afterwards, and log p(v) changes by a constant only."""
    model = small_rbm(kind, 3, seed=4)
    states = all_states(model.length, model.q)[::8]
    weights = torch.rand(states.shape[0], generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    weights = weights / weights.sum()
    stats = model.statistics(states, weights)
    torch.testing.assert_close(model.hidden_variance(stats), _hidden_variance_by_integration(model, states, weights),
                               rtol=1e-6, atol=1e-8)
    v = all_states(model.length, model.q)
    before = model.log_weight(v)
    model.project_(stats)
    after = model.log_weight(v)
    assert float((after - before).max() - (after - before).min()) < 1e-9
    torch.testing.assert_close(model.hidden_variance(model.statistics(states, weights)),
                               torch.ones(model.n_hidden, dtype=torch.float64))


def test_variance_gauge_moves_by_the_relaxation_and_never_below_the_curvature_floor():
    """relaxation 1/4 moves log Var by a quarter of the way to 0; a unit whose full step would push its curvature
    below GAMMA_MIN stops at the floor (the step is still a gauge: log p(v) moves by a constant)."""
    from seqebm.models.hidden import GAMMA_MIN

    model = small_rbm("gaussian", 3, seed=5)
    states = all_states(model.length, model.q)
    variance = model.hidden_variance(model.statistics(states))
    model.project_(model.statistics(states), relaxation=0.25)
    torch.testing.assert_close(model.hidden_variance(model.statistics(states)).log(), 0.75 * variance.log())

    model = small_rbm("relu", 3, seed=5)
    model.hidden_bias = torch.tensor([-30.0, 0.0], dtype=torch.float64)  # unit 0 almost never on: tiny variance
    before = model.log_weight(states)
    model.project_(model.statistics(states))
    assert float(model.gamma[0]) == pytest.approx(GAMMA_MIN)
    assert float(model.hidden_variance(model.statistics(states))[0]) < 0.5
    assert float(model.hidden_variance(model.statistics(states))[1]) == pytest.approx(1.0)
    after = model.log_weight(states)
    assert float((after - before).max() - (after - before).min()) < 1e-9


@pytest.mark.parametrize("kind", ["bernoulli", "drelu"])
def test_l1_squared_gradient_is_the_derivative_of_the_penalty(kind):
    """lambda / (2 L q) sum_mu (sum_ia |W_ia,mu|)^2: its gradient, taken by autograd, is what the RBM subtracts."""
    model = small_rbm(kind, 3) if kind != "bernoulli" else RBM.random(4, 2, q=3, std=0.5, dtype=torch.float64)
    states = all_states(model.length, model.q)
    data, chains = model.statistics(states[:40]), model.statistics(states[40:90])
    penalised, plain = model.gradient(data, chains, l1_squared=0.3), model.gradient(data, chains)
    w = model.weights.clone().requires_grad_(True)
    length, q = model.length, model.q
    penalty = 0.3 / (2 * length * q) * (w.abs().reshape(-1, model.n_hidden).sum(0) ** 2).sum()
    penalty.backward()
    torch.testing.assert_close(penalised["weights"] - plain["weights"], -w.grad)
    for name in model.parameter_names:
        if name != "weights":
            torch.testing.assert_close(plain[name], penalised[name])


@pytest.mark.parametrize("gauge", ["variance", "curvature"])
def test_training_fixes_the_gauge_it_is_told(gauge):
    """The trainer fixes the scale of continuous units from each update's data statistics (full batch: the whole
    way): at the end every unit's variance over the data is 1 up to the last step's change; with the curvature gauge
    the harmonic mean of the dReLU curvatures is 1 instead. L1^2 is an RBM penalty only."""
    from seqebm.errors import ConfigError
    from seqebm.training.trainer import Trainer
    from tests.test_loglik import planted_binary_data

    data = planted_binary_data()
    result = Trainer(model="rbm", hidden=3, hidden_type="drelu", regime="pcd", k=5, n_chains=200, max_updates=20,
                     target_pearson=None, hidden_gauge=gauge, l1_squared=0.1, optimizer="adam", lr=0.05, seed=0,
                     reweight=False).fit(data)
    model = result.model
    if gauge == "variance":
        variance = model.hidden_variance(model.statistics(data.tensor()))
        torch.testing.assert_close(variance, torch.ones_like(variance), atol=0.05, rtol=0)
        assert float(model.weights.abs().max()) > 0.3  # it learnt something (not a variance of 1 by doing nothing)
    else:
        curvature = model.hidden._gauge_curvature(model._unit_parameters())
        torch.testing.assert_close(curvature, torch.ones_like(curvature))
    with pytest.raises(ConfigError, match="--model rbm"):
        Trainer(model="potts", l1_squared=0.1).fit(data)


def test_continuous_units_train_with_half_the_adam_rate_by_default():
    from seqebm.training.config import TrainConfig

    rates = {kind: TrainConfig(model="rbm", hidden_type=kind, regime="pcd").resolve("msa", 50, 21).lr for kind in HIDDEN_UNITS}
    assert rates == {"bernoulli": 0.02, "gaussian": 0.01, "relu": 0.01, "drelu": 0.01}
    assert TrainConfig(model="rbm", hidden_type="drelu", regime="pcd", lr=0.03).resolve("msa", 50, 21).lr == 0.03
    assert TrainConfig(model="rbm", hidden_type="drelu", regime="pcd").resolve("spins", 50, 2).optimizer == "sgd"
