"""Training options, validated up front (an unknown value is an error, never a silent default)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from seqebm.errors import ConfigError

REGIMES = ("rdm", "cd", "pcd", "eq")
MODELS = ("potts", "rbm")
OPTIMIZERS = ("sgd", "adam")
INITS = ("random", "data", "profile")
ORDERS = ("sequential", "permutation", "random")
PERSISTENT = ("pcd", "eq")
DEFAULT_LR = {"adam": 0.02, "sgd": 0.05}
# Persistent chains never visit most rare residue pairs; the data still gives them a frequency (one sequence, or the
# pseudocount), so without a penalty Adam raises their couplings by about lr every update until the sum of many such
# couplings forms a deep basin the persistent chains never see but chains from random fall into (measured on PF00014:
# couplings of 1.85 on pairs seen in one sequence, long runs from random drifting to Pearson 0.79). An L2 penalty
# caps such a coupling near f_ij / l2 (about 0.4 for one sequence in M_eff ~ 5,000) and barely moves the couplings of
# frequent pairs, whose gradients are orders of magnitude larger.
PERSISTENT_POTTS_L2 = 5e-4


@dataclass
class TrainConfig:
    """Everything that defines a training run. ``None`` means "choose from the data" where documented."""

    model: str = "potts"
    hidden: int = 100  # RBM hidden units
    regime: str = "rdm"
    k: int = 10  # Gibbs sweeps (Potts) / block steps (RBM) per update; the starting value in the eq regime
    n_chains: int | None = None  # None: the smallest of 5,000 / 10,000 / 20,000 whose Pearson ceiling clears the target
    init: str = "random"  # p0: initial distribution of the chains (rdm restarts, persistent starts)
    beta: float = 1.0
    order: str = "sequential"  # Potts site order
    lr: float | None = None  # None: 0.02 for adam, 0.05 for sgd
    optimizer: str = "adam"
    l1: float = 0.0
    l2: float | None = None  # None: PERSISTENT_POTTS_L2 on Potts couplings with persistent chains (pcd, eq), else 0
    pseudocount: float | None = None  # None: 1 / M_eff
    batch_size: int | None = None  # None: full batch
    centered: bool = True  # centered gradient for RBMs
    max_updates: int = 2000
    max_seconds: float | None = None
    target_pearson: float | None = 0.95  # stop when Pearson of connected correlations reaches it; None: never
    theta: float = 0.8  # reweighting identity threshold; 1.0 keeps every weight 1
    reweight: bool = True
    mix_check_every: int = 10  # eq: updates between two mixing tests
    mix_chains: int = 1000  # eq: chains used by the mixing test
    max_sweeps: int = 2000  # eq: cap on the adaptive sweeps per update
    random_start_check: bool = True  # eq: at the end, time chains from random to reach the persistent chains' energy
    verify_equilibrium: bool = True  # eq: at the target, chains from random must reach it too, else training goes on
    verify_tolerance: float = 0.0  # eq: how far below the target the chains from random may stay
    max_verifications: int = 10  # eq: verifications before stopping anyway (stopped_because records it)
    checkpoint_every: int = 50
    divergence_bound: float = 1e3  # |parameter| above this stops training
    seed: int = 0
    device: str = "auto"
    chain_blocks: int | None = None  # chains split in blocks with their own random streams; None: one per process

    def validate(self) -> "TrainConfig":
        _choice("model", self.model, MODELS)
        _choice("regime", self.regime, REGIMES)
        _choice("optimizer", self.optimizer, OPTIMIZERS)
        _choice("init", self.init, INITS)
        _choice("order", self.order, ORDERS)
        _positive("k", self.k)
        _positive("hidden", self.hidden)
        _positive("max_updates", self.max_updates)
        _positive("checkpoint_every", self.checkpoint_every)
        _positive("mix_check_every", self.mix_check_every)
        _positive("mix_chains", self.mix_chains)
        _positive("max_sweeps", self.max_sweeps)
        _positive("max_verifications", self.max_verifications)
        if not 0 <= self.verify_tolerance < 1:
            raise ConfigError(f"verify_tolerance must be in [0, 1), got {self.verify_tolerance}")
        if self.n_chains is not None:
            _positive("n_chains", self.n_chains)
        if self.batch_size is not None:
            _positive("batch_size", self.batch_size)
        if self.chain_blocks is not None:
            _positive("chain_blocks", self.chain_blocks)
        if self.lr is None:
            self.lr = DEFAULT_LR.get(self.optimizer)
        if self.l2 is None:
            self.l2 = PERSISTENT_POTTS_L2 if self.model == "potts" and self.regime in PERSISTENT else 0.0
        for name in ("lr", "beta", "divergence_bound"):
            if not (getattr(self, name) > 0):
                raise ConfigError(f"{name} must be > 0, got {getattr(self, name)}")
        for name in ("l1", "l2"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.pseudocount is not None and not 0 <= self.pseudocount < 1:
            raise ConfigError(f"pseudocount must be in [0, 1), got {self.pseudocount}")
        if self.target_pearson is not None and not 0 < self.target_pearson <= 1:
            raise ConfigError(f"target_pearson must be in (0, 1], got {self.target_pearson}")
        if not 0 < self.theta <= 1:
            raise ConfigError(f"theta must be in (0, 1], got {self.theta}")
        if self.regime == "cd" and self.init != "random":
            raise ConfigError("cd starts its chains from the minibatch; --init does not apply")
        return self

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ConfigError(f"unknown training option(s): {', '.join(sorted(unknown))}")
        return cls(**values).validate()


def _choice(name: str, value, allowed: tuple) -> None:
    if value not in allowed:
        raise ConfigError(f"unknown {name} {value!r}: use one of {', '.join(allowed)}")


def _positive(name: str, value) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(f"{name} must be a positive integer, got {value!r}")
