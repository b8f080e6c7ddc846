"""Training options: one declarative table (name, default, constraint, help, command-line flags) shared by
``TrainConfig``, its validation, the ``seqebm fit`` command line and resume.

Validation never changes the caller's object: :meth:`TrainConfig.resolve` returns a new, validated config in which the
options left to "choose" (``None``) are filled from the other options and the data.
"""
from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Callable, Mapping

from seqebm.errors import ConfigError
from seqebm.models.hidden import HIDDEN_UNITS
from seqebm.models.potts_gibbs import ORDERS
from seqebm.models.registry import MODELS, model_class
from seqebm.sampling.init import INITS
from seqebm.sampling.registry import SAMPLERS, TEMPERING
from seqebm.training.regimes import REGIMES

OPTIMIZERS = ("sgd", "adam")
DEFAULT_LR = {"adam": 0.02, "sgd": 0.05}
# Adam on RBMs with continuous hidden units: half the rate. Their units have no bounded activity: at 0.02 Adam's first
# steps (about lr on every weight, coherent over the L sites) overshoot the persistent chains of a ReLU RBM of PF00072
# (L = 112, H = 100, unit variance gauge: gradient norm e^7, Pearson 0.00 for 76 updates); at 0.01 it trains.
CONTINUOUS_HIDDEN_ADAM_LR = 0.01


# ---------------------------------------------------------------------------------------------- constraints
def choice(values: tuple | Mapping | Callable[[], tuple]) -> Callable[[str, Any], None]:
    """One of ``values``: a tuple, a registry (mapping) or a function returning the names, read when checking, so
    later registrations count."""
    def check(name: str, value) -> None:
        allowed = tuple(values()) if callable(values) else tuple(values)
        if not isinstance(value, str) or value not in allowed:
            raise ConfigError(f"unknown {name} {value!r}: use one of {', '.join(allowed)}")
    return check


def _integer_value(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _real_value(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def positive_int(name: str, value) -> None:
    if not _integer_value(value) or value < 1:
        raise ConfigError(f"{name} must be a positive integer, got {value!r}")


def non_negative_int(name: str, value) -> None:
    if not _integer_value(value) or value < 0:
        raise ConfigError(f"{name} must be a non-negative integer, got {value!r}")


def positive(name: str, value) -> None:
    if not (_real_value(value) and value > 0):
        raise ConfigError(f"{name} must be > 0, got {value}")


def non_negative(name: str, value) -> None:
    if not (_real_value(value) and value >= 0):
        raise ConfigError(f"{name} must be >= 0, got {value}")


def interval(low: float, high: float, closed_low: bool, closed_high: bool) -> Callable[[str, Any], None]:
    def check(name: str, value) -> None:
        ok = _real_value(value)
        ok = ok and (value >= low if closed_low else value > low) and (value <= high if closed_high else value < high)
        if not ok:
            text = f"{'[' if closed_low else '('}{low:g}, {high:g}{']' if closed_high else ')'}"
            raise ConfigError(f"{name} must be in {text}, got {value}")
    return check


def boolean(name: str, value) -> None:
    if not isinstance(value, bool):
        raise ConfigError(f"{name} must be true or false, got {value!r}")


def text(name: str, value) -> None:
    if not isinstance(value, str):
        raise ConfigError(f"{name} must be a string, got {value!r}")


def option(default, help: str, check: Callable[[str, Any], None] | None = None, flags: tuple[str, ...] = (),
           dynamics: bool = False, nullable: bool = False):
    """A training option: ``check`` validates a value (None passes when ``nullable``), ``flags`` are extra
    command-line names besides ``--name-with-dashes``, ``dynamics`` marks options a resumed run must keep."""
    meta = {"help": help, "check": check, "flags": flags, "dynamics": dynamics, "nullable": nullable}
    return field(default=default, metadata=meta)


# ---------------------------------------------------------------------------------------------- the table
@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run. ``None`` means "choose from the other options and the data"."""

    model: str | None = option(None, "potts or rbm (default: potts for MSAs and narrow data, rbm for wide binary data).",
                               choice(MODELS), dynamics=True, nullable=True)
    hidden: int = option(100, "RBM hidden units.", positive_int, dynamics=True)
    hidden_type: str = option("bernoulli", f"RBM hidden-unit type: {', '.join(HIDDEN_UNITS)}.", choice(HIDDEN_UNITS),
                              dynamics=True)
    hidden_gauge: str = option("variance", "Continuous RBM hidden units (gaussian, relu, drelu): fix the scale of h after "
                               "each step at unit variance over the data (Tubiana et al.'s normalisation; the couplings "
                               "then grow about linearly in the weights) or at unit curvature (gamma = 1).",
                               choice(("variance", "curvature")), dynamics=True)
    low_rank: int = option(0, "RBM: start from the Hopfield-Potts model of the data's first N principal directions (mean "
                           "field, in the first N hidden units); 0: small random weights.", non_negative_int, dynamics=True)
    start: str = option("profile", "Potts: the model training starts from: profile (the data's independent-site model) "
                        "or plm (a pseudo-likelihood estimate; a warm start only: training, and the eq regime's "
                        "verification, continue from it).", choice(("profile", "plm")), dynamics=True)
    regime: str = option("rdm", "rdm (out of equilibrium, fast generator), cd, pcd, or eq (equilibrium).",
                         choice(REGIMES), dynamics=True)
    sampler: str = option("auto", "Markov chain sampler: gibbs, pt (tempering in temperature), ptt (parallel trajectory "
                          "tempering), or auto (gibbs; in eq training, ptt once Gibbs needs more than auto_mixing_budget "
                          "sweeps to mix).", choice(lambda: (*SAMPLERS, "auto")), dynamics=True)
    swap_target: float = option(0.3, "Tempering: swap rate of neighbouring rungs that the ladder aims at (a rung is "
                                "added where it falls below).", interval(0, 1, False, False), dynamics=True)
    max_rungs: int = option(64, "Tempering: most rungs of a ladder.", positive_int, dynamics=True)
    auto_mixing_budget: int = option(128, "--sampler auto: switch the eq chains to ptt when Gibbs needs more sweeps than "
                                     "this to mix.", positive_int, dynamics=True)
    loglik_every: int = option(10, "Tempering: updates between estimates of log Z and the log-likelihood.", positive_int)
    ais: bool | None = option(None, "Without a tempering ladder: estimate log Z and the train/test log-likelihood by "
                              "annealed importance sampling every ais_every updates and at the end, recorded in the "
                              "model file for seqebm score (default: on when test data are given).", boolean, nullable=True)
    ais_every: int = option(100, "AIS: updates between estimates.", positive_int)
    ais_chains: int = option(500, "AIS: chains (each an importance weight).", positive_int)
    ais_temperatures: int = option(1000, "AIS: intermediate distributions from the independent-site model.", positive_int)
    test_fraction: float = option(0.0, "Hold out this fraction of the sequences (drawn with --seed) as test data, "
                                  "when --test is not given.", interval(0, 1, True, False), dynamics=True)
    k: int = option(10, "Gibbs steps per update (eq: the starting value).", positive_int, dynamics=True)
    n_chains: int | None = option(None, "Number of chains (default: the smallest of 5,000 / 10,000 / 20,000 whose Pearson "
                                  "ceiling clears the target; pcd/eq runs move on to the next once it would show the "
                                  "target).", positive_int, ("--chains",), dynamics=True, nullable=True)
    init: str = option("random", "Chain initialisation p0: random, data or profile.", choice(INITS), dynamics=True)
    beta: float = option(1.0, "Inverse temperature of the chains.", positive, dynamics=True)
    order: str = option("sequential", "Potts site order: sequential, permutation or random.", choice(ORDERS), dynamics=True)
    lr: float | None = option(None, "Learning rate (default 0.02 for adam, 0.01 for adam on RBMs with continuous hidden "
                              "units, 0.05 for sgd).", positive, dynamics=True, nullable=True)
    lr_control: bool | None = option(None, "Automatic step-size control: halve the learning rate when the Pearson or "
                                     "the correlation slope swings from update to update, falls, or the gradient grows; "
                                     "raise it again after smooth progress (default: on with persistent chains, pcd/eq).",
                                     boolean, nullable=True)
    optimizer: str | None = option(None, "adam or sgd (default: sgd for RBMs of binary data trained with persistent "
                                         "chains, pcd or eq, where Adam's steps of lr on every weight swing; adam "
                                         "otherwise).", choice(OPTIMIZERS), dynamics=True, nullable=True)
    l1: float = option(0.0, "L1 penalty on couplings/weights.", non_negative, dynamics=True)
    l1_squared: float = option(0.0, "RBM: L1^2 penalty on each hidden unit's weights, lambda / (2 L q) sum_mu (sum_ia "
                               "|W_ia,mu|)^2 (Tubiana et al. 2019): sparse units of comparable weight, easier to read.",
                               non_negative, ("--l1-squared",), dynamics=True)
    l2: float | None = option(None, "L2 penalty on couplings/weights (default: 5e-4 on Potts couplings with persistent "
                              "chains, pcd/eq; else 0).", non_negative, dynamics=True, nullable=True)
    pseudocount: float | None = option(None, "Pseudocount of the data statistics (default 1/M_eff for Potts, 0 for RBMs).",
                                       interval(0, 1, True, False), dynamics=True, nullable=True)
    batch_size: int | None = option(None, "Minibatch size (default: full batch).", positive_int, dynamics=True, nullable=True)
    centered: bool | None = option(None, "Centred gradient, the data means as offsets (default: on for RBMs, off for Potts "
                                   "models).", boolean, dynamics=True, nullable=True)
    max_updates: int = option(2000, "Maximum number of updates.", positive_int, ("--updates",))
    max_seconds: float | None = option(None, "Stop after this wall time.", positive, nullable=True)
    target_pearson: float | None = option(0.95, "Stop at this Pearson of connected correlations (0 or None: never).",
                                          interval(0, 1, False, True), ("--target",), nullable=True)
    target_density: float | None = option(None, "Sparse Potts model: decimate couplings (see --decimation-unit), the "
                                          "ones whose removal costs the least likelihood first, until this fraction is "
                                          "left, training back to the Pearson target after each step (edDCA; default: "
                                          "dense).",
                                          interval(0, 1, False, True), dynamics=True, nullable=True)
    decimation_step: float = option(0.1, "Sparse models: fraction of the kept couplings (or pairs) removed per "
                                    "decimation step.", interval(0, 1, False, False), dynamics=True)
    decimation_unit: str = option("couplings", "Sparse models: what a decimation removes and the density counts: single "
                                  "couplings J_ij(a,b) (edDCA) or whole pairs (every coupling of i, j; coarser, but "
                                  "sampling skips every removed pair).", choice(("couplings", "pairs")), dynamics=True)
    theta: float = option(0.8, "Reweighting identity threshold (1 disables reweighting).", interval(0, 1, False, True),
                          dynamics=True)
    reweight: bool = option(True, "Reweight the sequences (DCA weights at theta).", boolean, dynamics=True)
    mix_check_every: int = option(10, "eq: updates between two mixing tests.", positive_int)
    mix_chains: int = option(1000, "eq (and pcd's end check): chains used by the mixing test.", positive_int)
    max_sweeps: int = option(2000, "eq: cap on the adaptive sweeps per update.", positive_int)
    random_start_check: bool = option(True, "eq: at the end, time chains from random to reach the persistent chains.",
                                      boolean)
    persistence_check: bool = option(True, "pcd: at the end, run a copy of the persistent chains 16 x k sweeps at the "
                                     "final parameters: did they keep up with the model (mixing time against k, "
                                     "Pearson before and after)?", boolean)
    verify_equilibrium: bool = option(True, "eq: at the target, chains from random must reach it too.", boolean)
    verify_tolerance: float = option(0.0, "eq: how far below the target the chains from random may stay.",
                                     interval(0, 1, True, False))
    max_verifications: int = option(10, "eq: verifications before stopping anyway.", positive_int)
    checkpoint_every: int = option(50, "Updates between checkpoints.", positive_int)
    divergence_bound: float = option(1e3, "|parameter| above this stops training.", positive)
    seed: int = option(0, "Random seed.", None, dynamics=True)
    device: str = option("auto", "auto, cpu or cuda.", text)
    chain_blocks: int | None = option(None, "Chain blocks with their own random streams (default: one per process); one "
                                      "process with N blocks reproduces an N-process run.", positive_int, dynamics=True,
                                      nullable=True)

    def __post_init__(self) -> None:
        if self.target_pearson == 0:  # "no target", as on the command line
            object.__setattr__(self, "target_pearson", None)

    # ------------------------------------------------------------------ validation and resolution
    def validate(self) -> "TrainConfig":
        """Check every option against the table and the rules between options; returns self, unchanged."""
        for spec in fields(self):
            value = getattr(self, spec.name)
            if value is None and spec.metadata["nullable"]:
                continue
            check = spec.metadata["check"] or _integer
            check(spec.name, value)
        if self.regime == "cd" and self.init != "random":
            raise ConfigError("cd starts its chains from the minibatch; --init does not apply")
        if self.sampler in TEMPERING and not REGIMES[self.regime].persistent:
            raise ConfigError(f"--sampler {self.sampler} keeps a ladder of persistent chains: use it with --regime pcd or eq, "
                              f"not {self.regime}")
        return self

    def resolve(self, data_kind: str | None = None, data_length: int | None = None, data_q: int | None = None) -> "TrainConfig":
        """A validated copy with the model chosen for the data (when ``model`` is None), the optimizer and its
        learning rate, the L2 penalty for the model and regime filled in."""
        self.validate()
        model = self.model or default_model(data_kind or "msa", data_length or 0)
        persistent = REGIMES[self.regime].persistent
        optimizer = self.optimizer or (model_class(model).persistent_optimizer(data_q) if persistent else "adam")
        if self.low_rank and model != "rbm":
            raise ConfigError("--low-rank starts an RBM's hidden units from the data's principal directions: use it "
                              "with --model rbm")
        if self.l1_squared and model != "rbm":
            raise ConfigError("--l1-squared penalises the weights of an RBM's hidden units: use it with --model rbm")
        if self.start == "plm" and model != "potts":
            raise ConfigError("--start plm is a pseudo-likelihood Potts model: use it with --model potts")
        if self.target_density is not None and (model != "potts" or self.target_pearson is None):
            raise ConfigError("--target-density decimates the couplings of a Potts model between visits of the Pearson "
                              "target: use it with --model potts and a --target")
        return replace(
            self,
            model=model,
            optimizer=optimizer,
            lr=self.lr if self.lr is not None else default_lr(model, optimizer, self.hidden_type),
            l2=self.l2 if self.l2 is not None else (model_class(model).persistent_l2 if persistent else 0.0),
            centered=self.centered if self.centered is not None else model_class(model).centered_by_default,
            lr_control=self.lr_control if self.lr_control is not None else persistent,
        ).validate()

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "TrainConfig":
        """A validated config from option values (unknown names are an error, never ignored)."""
        unknown = set(values) - set(option_names())
        if unknown:
            raise ConfigError(f"unknown training option(s): {', '.join(sorted(unknown))}")
        return cls(**values).validate()

    def with_options(self, **options) -> "TrainConfig":
        """A validated copy with ``options`` changed."""
        return TrainConfig.from_dict({**self.to_dict(), **options})


def default_lr(model: str, optimizer: str, hidden_type: str) -> float:
    """The learning rate used when none is given."""
    if model == "rbm" and optimizer == "adam" and hidden_type != "bernoulli":
        return CONTINUOUS_HIDDEN_ADAM_LR
    return DEFAULT_LR[optimizer]


def _integer(name: str, value) -> None:
    if not _integer_value(value):
        raise ConfigError(f"{name} must be an integer, got {value!r}")


def option_names() -> tuple[str, ...]:
    return tuple(f.name for f in fields(TrainConfig))


def option_table() -> list:
    """The dataclass fields of every option, with their metadata (help, check, flags, dynamics, nullable)."""
    return list(fields(TrainConfig))


DYNAMICS = tuple(f.name for f in fields(TrainConfig) if f.metadata["dynamics"])  # a resumed run must keep these


def default_model(data_kind: str, length: int) -> str:
    """Potts for alignments and narrow data; RBM for wide binary data (images, genotype panels)."""
    return "rbm" if data_kind in ("images", "genotypes") and length > 200 else "potts"
