"""Hidden-unit types of an RBM, behind one protocol.

A hidden unit mu with potential U_mu(h) receives the field x_mu = beta (c_mu + I_mu(v)), where c_mu (the RBM's
``hidden_bias``) is the unit's linear term and I_mu(v) = sum_i W_i(v_i)_mu its input from the visible layer. Given
the field, the unit is distributed as p(h | x) proportional to exp(-beta U_mu(h) + h x_mu); everything the rest of
seqebm needs follows from its cumulant generating function Gamma(x) = log sum_h exp(-beta U(h) + h x):

- ``cumulant``: sum over units of Gamma(x), and ``log_partition`` = cumulant / beta (the hidden part of -F(v));
- ``mean`` and ``variance``: Gamma'(x) and Gamma''(x), the moments the gradient and the effective couplings use;
- ``sample_``: an exact draw of h given x;
- ``parameter_statistics``: the statistics of the unit's own parameters beyond c (none for Bernoulli units);
- ``potential``: U(h) beyond the linear term, for the joint energy E(v, h);
- ``project_``: the constraints of the unit parameters (positive curvatures), restored after an optimiser step.

Types: Bernoulli (h in {0, 1}); Gaussian (U = gamma h^2 / 2); ReLU (the same on h >= 0); dReLU (Tubiana, Cocco &
Monasson, eLife 2019: U = gamma_plus h^2 / 2 for h > 0, gamma_minus h^2 / 2 for h < 0, plus delta |h|, a soft
threshold for delta > 0 and a bimodal unit for delta < 0). The continuous types' cumulants leave out the
v-independent -1/2 log beta per unit that diverges at beta = 0 (see :mod:`.halfgauss`): at beta = 1 they are exact;
at other temperatures log weights differ from the exact ones by a constant, which no sampler, swap or ratio sees.

A unit type is one subclass, registered in ``HIDDEN_UNITS``; its extra parameters (shape (H,) each) are stored on
the RBM next to the weights and biases and are passed in as ``params``.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import torch
import torch.nn.functional as F

from seqebm.errors import ConfigError
from seqebm.models.halfgauss import LOG_2PI, SMALLEST_UNIFORM, HalfGaussian, draw
from seqebm.rng import sample_bernoulli_logits

GAMMA_MIN = 0.05  # floor of the curvatures: a unit's conditional variance stays below 1 / GAMMA_MIN


class HiddenUnits(ABC):
    """A hidden-unit type (stateless: its parameters live on the RBM)."""

    kind: ClassVar[str]
    # names of the unit parameters beyond the linear term hidden_bias, each of shape (H,), with their initial value
    extra_parameters: ClassVar[dict[str, float]] = {}
    # whether the centred gradient offsets these units by their data mean (see RBM.gradient)
    centred: ClassVar[bool] = True

    @abstractmethod
    def cumulant(self, field: torch.Tensor, params: dict[str, torch.Tensor], beta: float = 1.0) -> torch.Tensor:
        """sum_mu Gamma(x_mu) for (N, H) fields: (N,) (finite at beta = 0)."""

    def log_partition(self, field: torch.Tensor, params: dict[str, torch.Tensor], beta: float = 1.0) -> torch.Tensor:
        """sum_mu Gamma(x_mu) / beta for (N, H) fields: (N,), the hidden part of -F(v)."""
        return self.cumulant(field, params, beta) / beta

    @abstractmethod
    def mean(self, field: torch.Tensor, params: dict[str, torch.Tensor], beta: float = 1.0) -> torch.Tensor:
        """E[h | x] = Gamma'(x): (N, H)."""

    def mean_(self, field: torch.Tensor, params: dict[str, torch.Tensor], beta: float = 1.0) -> torch.Tensor:
        """:meth:`mean`, allowed to overwrite ``field`` (a temporary) to save an allocation."""
        return self.mean(field, params, beta)

    @abstractmethod
    def variance(self, field: torch.Tensor, params: dict[str, torch.Tensor], beta: float = 1.0) -> torch.Tensor:
        """Var[h | x] = Gamma''(x): (N, H)."""

    @abstractmethod
    def sample_(self, field: torch.Tensor, params: dict[str, torch.Tensor], uniforms: torch.Tensor,
                beta: float = 1.0) -> torch.Tensor:
        """Exact draws of h given (N, H) fields, using (N, H) uniforms; may overwrite ``field``."""

    def parameter_statistics(self, field: torch.Tensor, params: dict[str, torch.Tensor],
                             weights: torch.Tensor) -> dict[str, torch.Tensor]:
        """Weighted averages of -dU/d(theta) for each extra parameter theta (gradient statistics): (H,) each."""
        return {}

    def mean_and_statistics(self, field: torch.Tensor, params: dict[str, torch.Tensor],
                            weights: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """(:meth:`mean`, :meth:`parameter_statistics`) in one pass where the unit type shares their work."""
        return self.mean(field, params), self.parameter_statistics(field, params, weights)

    def potential(self, hidden: torch.Tensor, params: dict[str, torch.Tensor]) -> torch.Tensor:
        """sum_mu U_mu(h_mu) beyond the linear term for (N, H) hidden states: (N,) (inf outside the support)."""
        return torch.zeros(hidden.shape[0], dtype=hidden.dtype, device=hidden.device)

    def gauge_free_gradient(self, gradient: dict[str, torch.Tensor], params: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """The gradient of the unit parameters with its component along the scale gauge removed (see
        :meth:`project_`); as given for units without one."""
        return gradient

    def second_moment(self, statistics: dict[str, torch.Tensor]) -> torch.Tensor | None:
        """<E[h^2 | v]> over the states whose :meth:`parameter_statistics` are in ``statistics``: (H,); None for
        units without a scale gauge (nothing to normalise)."""
        return None

    def project_(self, params: dict[str, torch.Tensor], variance: torch.Tensor | None = None,
                 relaxation: float = 1.0) -> torch.Tensor | None:
        """Restore the parameters' constraints in place; for units with a scale gauge, return the (H,) factors a
        by which h is to be rescaled (h' = a h: the unit's parameters are rescaled here, the caller divides the
        weights and c by a), None otherwise. ``variance``: the (H,) variances of h over the data, to fix the gauge
        at unit variance (moved by the power ``relaxation`` of the full factor) instead of unit curvature."""
        return None


class BernoulliHidden(HiddenUnits):
    """h in {0, 1}, U(h) = 0 beyond the linear term: Gamma(x) = softplus(x), mean sigmoid(x)."""

    kind = "bernoulli"

    def cumulant(self, field, params, beta=1.0):
        return F.softplus(field).sum(1)

    def mean(self, field, params, beta=1.0):
        return torch.sigmoid(field)

    def mean_(self, field, params, beta=1.0):
        return field.sigmoid_()

    def variance(self, field, params, beta=1.0):
        p = torch.sigmoid(field)
        return p * (1 - p)

    def sample_(self, field, params, uniforms, beta=1.0):
        return sample_bernoulli_logits(field, uniforms)


class _ContinuousHidden(HiddenUnits):
    """Real-valued units: computed in float64 (the tails of the truncated Gaussians need it), returned in the
    field's dtype; their curvatures are kept >= GAMMA_MIN."""

    curvatures: ClassVar[tuple[str, ...]] = ()
    # Centring offsets h by its data mean, which for unbounded units grows with the weights: the corrections
    # -dW h_bar of the bias gradients then dominate and persistent training blows up (measured on PF00014, dReLU,
    # pcd-10, 1,000 chains, Adam 0.02: gradient norm e^8 and Pearson 0.1 by update 60 when centred; stable at
    # Pearson 0.5-0.66 without). Only the visible layer is centred for them.
    centred = False

    def project_(self, params, variance=None, relaxation=1.0):
        """The marginal over v is unchanged by h' = a h (weights, c and delta divided by a, curvatures by a^2). The
        gauge is fixed either at unit variance of h over the data (``variance`` given: Tubiana et al.'s hidden-unit
        normalisation, PGM's "batch norm") or at unit curvature (gamma = 1; for dReLU the harmonic mean of
        gamma_plus and gamma_minus). The gradient never moves along it (:meth:`gauge_free_gradient`; were the
        curvature trained and then rescaled back, its step would be added to the weights' own scale step).

        Why unit variance: the effective couplings are W^2 Var(h | v). At unit curvature they grow as W^2, so a step
        of fixed size moves them by more and more as the weights grow, and persistent chains fall behind (PF00072,
        dReLU: log Z 3,444 and a falling Pearson after 250 updates); at unit data variance the curvature grows with
        the spread of the unit's input, the couplings grow about linearly in W, and an L1^2 penalty has the same
        meaning for every unit. Then each curvature is kept >= GAMMA_MIN (for dReLU units this bounds their
        asymmetry); the gauge step itself never pushes a curvature below it."""
        curvature = self._gauge_curvature(params)
        if variance is None:
            scale = torch.sqrt(curvature).clamp_min(1e-6)
        else:
            scale = variance.to(curvature).clamp_min(1e-12).pow(-0.5 * relaxation)
            smallest = torch.stack([params[name] for name in self.curvatures]).amin(0).clamp_min(GAMMA_MIN)
            scale = torch.minimum(scale, torch.sqrt(smallest / GAMMA_MIN))
        for name, value in params.items():
            value.div_(scale * scale if name in self.curvatures else scale)
        for name in self.curvatures:
            params[name].clamp_(min=GAMMA_MIN)
        return scale

    def _gauge_curvature(self, params: dict[str, torch.Tensor]) -> torch.Tensor:
        return params["gamma"].clamp_min(GAMMA_MIN)

    def gauge_free_gradient(self, gradient, params):
        """The curvature is the gauge itself: it is not trained (the scale is learnt by the weights)."""
        return {**gradient, "gamma": torch.zeros_like(gradient["gamma"])}

    def mean(self, field, params, beta=1.0):
        return self._moments(field.double(), params, beta)[0].to(field.dtype)

    def variance(self, field, params, beta=1.0):
        return self._moments(field.double(), params, beta)[1].to(field.dtype)

    def _moments(self, x: torch.Tensor, params: dict, beta: float) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def parameter_statistics(self, field, params, weights):
        return self.mean_and_statistics(field, params, weights)[1]

    def mean_and_statistics(self, field, params, weights):
        mean, per_row = self._mean_and_unit_statistics(field.double(), params)
        return mean.to(field.dtype), {name: (weights.double() @ value).to(field.dtype) for name, value in per_row.items()}

    def _mean_and_unit_statistics(self, x: torch.Tensor, params: dict) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """E[h | x] and -dU/d(theta) averaged over p(h | x), at beta = 1: (N, H) each."""
        mean, var = self._moments(x, params, 1.0)
        return mean, {"gamma": -0.5 * (var + mean * mean)}

    def second_moment(self, statistics):
        return -2 * statistics["gamma"]  # the statistic of gamma is -<h^2> / 2


def _double(params: dict[str, torch.Tensor], name: str) -> torch.Tensor:
    return params[name].double()


class GaussianHidden(_ContinuousHidden):
    """h real, U(h) = gamma h^2 / 2: Gamma(x) = x^2 / (2 beta gamma) + (1/2) log(2 pi / gamma), mean x / (beta gamma),
    variance 1 / (beta gamma)."""

    kind = "gaussian"
    extra_parameters = {"gamma": 1.0}
    curvatures = ("gamma",)

    def cumulant(self, field, params, beta=1.0):
        gamma = _double(params, "gamma")
        quadratic = 0.0 if beta == 0 else field.double() ** 2 / (2 * beta * gamma)
        return (quadratic + 0.5 * (LOG_2PI - torch.log(gamma))).expand_as(field).sum(1).to(field.dtype)

    def _moments(self, x, params, beta):
        a = beta * _double(params, "gamma")
        return x / a, (1 / a).expand_as(x)

    def sample_(self, field, params, uniforms, beta=1.0):
        a = beta * _double(params, "gamma")
        normal = torch.special.ndtri(uniforms.double().clamp(SMALLEST_UNIFORM, 1 - SMALLEST_UNIFORM))
        return (field.double() / a + normal * torch.rsqrt(a)).to(field.dtype)

    def potential(self, hidden, params):
        return 0.5 * (params["gamma"] * hidden * hidden).sum(1)


class ReLUHidden(_ContinuousHidden):
    """h >= 0, U(h) = gamma h^2 / 2: a Gaussian truncated to h >= 0 (see :mod:`.halfgauss`)."""

    kind = "relu"
    extra_parameters = {"gamma": 1.0}
    curvatures = ("gamma",)

    def cumulant(self, field, params, beta=1.0):
        return HalfGaussian(field.double(), _double(params, "gamma"), beta).log_integral().sum(1).to(field.dtype)

    def _moments(self, x, params, beta):
        return HalfGaussian(x, _double(params, "gamma"), beta).moments()

    def sample_(self, field, params, uniforms, beta=1.0):
        unit = HalfGaussian(field.double(), _double(params, "gamma"), beta)
        return unit.sample(uniforms.double()).to(field.dtype)

    def potential(self, hidden, params):
        outside = torch.where(hidden < 0, float("inf"), 0.0)
        return (0.5 * params["gamma"] * hidden * hidden + outside).sum(1)


class DReLUHidden(_ContinuousHidden):
    """Double ReLU: U(h) = gamma_plus h^2 / 2 + delta h for h > 0 and gamma_minus h^2 / 2 - delta h for h < 0.

    The two halves are half-Gaussians with linear coefficients x - beta delta (h > 0) and -(x + beta delta) for
    g = -h > 0; Gamma = logaddexp of their log integrals, p(h > 0 | x) = exp(Gamma_+ - Gamma)."""

    kind = "drelu"
    extra_parameters = {"gamma_plus": 1.0, "gamma_minus": 1.0, "delta": 0.0}
    curvatures = ("gamma_plus", "gamma_minus")

    def _gauge_curvature(self, params):
        return 2 / (1 / params["gamma_plus"].clamp_min(GAMMA_MIN) + 1 / params["gamma_minus"].clamp_min(GAMMA_MIN))

    def gauge_free_gradient(self, gradient, params):
        """Only the asymmetry of the curvatures is trained: their gradient is projected on the direction that keeps
        the harmonic mean (the gauge) fixed, orthogonal to (1 / gamma_plus^2, 1 / gamma_minus^2)."""
        normal = torch.stack([params["gamma_plus"].clamp_min(GAMMA_MIN) ** -2, params["gamma_minus"].clamp_min(GAMMA_MIN) ** -2])
        step = torch.stack([gradient["gamma_plus"], gradient["gamma_minus"]])
        step = step - normal * (step * normal).sum(0) / (normal * normal).sum(0)
        return {**gradient, "gamma_plus": step[0], "gamma_minus": step[1]}

    def _halves(self, x: torch.Tensor, params: dict, beta: float) -> tuple[HalfGaussian, HalfGaussian]:
        """The h > 0 half and the half of g = -h > 0."""
        delta = beta * _double(params, "delta")
        return (HalfGaussian(x - delta, _double(params, "gamma_plus"), beta),
                HalfGaussian(-(x + delta), _double(params, "gamma_minus"), beta))

    def _parts(self, x: torch.Tensor, params: dict, beta: float) -> tuple[torch.Tensor, ...]:
        """(E[h], E[h^2; h > 0], E[h^2; h < 0], E[|h|]) given x: what the moments and the unit statistics are made of."""
        plus, minus = self._halves(x, params, beta)
        p_plus = torch.sigmoid(plus.log_integral() - minus.log_integral())
        p_minus = 1 - p_plus
        (m_plus, v_plus), (m_minus, v_minus) = plus.moments(), minus.moments()  # of h given h > 0, of -h given h < 0
        return (p_plus * m_plus - p_minus * m_minus, p_plus * (v_plus + m_plus * m_plus),
                p_minus * (v_minus + m_minus * m_minus), p_plus * m_plus + p_minus * m_minus)

    def cumulant(self, field, params, beta=1.0):
        plus, minus = self._halves(field.double(), params, beta)
        return torch.logaddexp(plus.log_integral(), minus.log_integral()).sum(1).to(field.dtype)

    def _moments(self, x, params, beta):
        mean, square_plus, square_minus, _ = self._parts(x, params, beta)
        return mean, (square_plus + square_minus - mean * mean).clamp_min(0)

    def _mean_and_unit_statistics(self, x, params):
        mean, square_plus, square_minus, absolute = self._parts(x, params, 1.0)
        return mean, {"gamma_plus": -0.5 * square_plus, "gamma_minus": -0.5 * square_minus, "delta": -absolute}

    def second_moment(self, statistics):
        return -2 * (statistics["gamma_plus"] + statistics["gamma_minus"])

    def sample_(self, field, params, uniforms, beta=1.0):
        plus, minus = self._halves(field.double(), params, beta)
        log_ratio = plus.log_integral() - minus.log_integral()
        log_p_plus, log_p_minus = -F.softplus(-log_ratio), -F.softplus(log_ratio)
        u = uniforms.double()
        p_plus = log_p_plus.exp()
        positive = u < p_plus
        # the uniform, rescaled to the chosen side, is again uniform on [0, 1); one inverse CDF for the chosen half
        u_side = torch.where(positive, u * torch.exp(-log_p_plus), (u - p_plus) * torch.exp(-log_p_minus))
        size = draw(torch.where(positive, plus.z, minus.z), torch.where(positive, plus.scale, minus.scale),
                    torch.where(positive, plus.log_cdf, minus.log_cdf), u_side)
        return torch.where(positive, size, -size).to(field.dtype)

    def potential(self, hidden, params):
        curvature = torch.where(hidden > 0, params["gamma_plus"], params["gamma_minus"])
        return (0.5 * curvature * hidden * hidden + params["delta"] * hidden.abs()).sum(1)


HIDDEN_UNITS: dict[str, type[HiddenUnits]] = {"bernoulli": BernoulliHidden, "gaussian": GaussianHidden,
                                             "relu": ReLUHidden, "drelu": DReLUHidden}


def hidden_units(kind: str) -> HiddenUnits:
    """The unit type named ``kind``; a clear error for an unknown one."""
    if not isinstance(kind, str) or kind not in HIDDEN_UNITS:
        raise ConfigError(f"unknown hidden-unit type {kind!r}: use one of {', '.join(HIDDEN_UNITS)}")
    return HIDDEN_UNITS[kind]()
