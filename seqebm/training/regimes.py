"""Training regimes as strategies: how each update's chains start, how many sweeps they run, what is checked
after an update and at the Pearson target, and how the trained model should be sampled.

- ``rdm``: chains restarted from p0 every update and run exactly k steps (out of equilibrium: a fast generator
  with the same k and p0);
- ``cd``: chains started from data rows every update, k steps (the classic biased recipe);
- ``pcd``: persistent chains, k steps per update, no mixing control during training; at the end, whether the
  chains kept up with the model (their mixing time at the final parameters against k) is measured and reported;
- ``eq``: persistent chains whose mixing is measured every few updates (t vs t/2 test), the sweeps per update
  doubled whenever they stop mixing; at the target, chains from random must reach it too; at the end, the time
  chains from random take to reach the persistent chains is measured (it sets the sampling length).

A regime reads and writes the run's :class:`~seqebm.models.record.TrainingState` (sweeps, mixing time,
verifications), so checkpoints carry its state. A new regime is one class registered in ``REGIMES``.
"""
from __future__ import annotations

from typing import Callable, ClassVar, Protocol

import torch

from seqebm.models.base import EnergyModel
from seqebm.models.record import FALLBACK_SAMPLING, SamplingDefaults, TrainingState, Verification
from seqebm.rng import RandomStream
from seqebm.sampling.init import init_chains
from seqebm.sampling.samplers import Sampler
from seqebm.sampling.state import ChainState
from seqebm.stats.compare import CorrelationTarget
from seqebm.training.mixing import equilibration_from_random, mixing_test
from seqebm.training.parallel import Communicator
from seqebm.training.stepsize import SWING


FINISH_SHARE = 0.25  # the most of max_seconds a run keeps back for its final checks
VERIFY_CHUNKS = 8  # a verification under a time budget runs in this many pieces, the clock read between them
PERSISTENCE_CHECK_UPDATES = 16  # pcd's end check runs the chains this many updates' worth of sweeps


def finish_time(run: TrainingRun, chain_sweeps: float) -> float:
    """Seconds that ``chain_sweeps`` (sweeps x chains) of final checks take, twice over at the pace of the last update
    (seconds per chain sweep, whatever the sampler), at most FINISH_SHARE of the budget (the first updates, without a
    pace yet, keep that share)."""
    cap = FINISH_SHARE * (run.config.max_seconds or 0.0)
    if len(run.rows) < 2:
        return cap
    pace = run.last_update_seconds() / (max(run.rows[-1]["sweeps"], 1) * run.n_chains)
    return min(cap, 2.0 * pace * chain_sweeps)


def check_chains(run: TrainingRun) -> int:
    """Chains per block that the end-of-training checks run (``mix_chains`` over all blocks)."""
    return max(2, min(run.config.mix_chains // run.n_blocks, run.blocks[0].n_chains))


class TrainingRun(Protocol):
    """What a regime sees of a run in progress (the trainer's :class:`seqebm.training.run.Run` provides it)."""

    config: object  # TrainConfig
    model: EnergyModel
    sampler: Sampler
    blocks: list[ChainState]  # this process's chain blocks
    streams: list[RandomStream]  # one per block
    data: object  # TrainingData: .shards[b] = (states, weights) of block b's data shard
    state: TrainingState
    target: CorrelationTarget
    comm: Communicator
    n_blocks: int  # blocks over all processes
    per_block: int  # chains per block
    warn: Callable[[str], None]
    pearson: float  # the last measured Pearson of the chains
    pearson_update: int  # the update it was measured at

    def block_frequencies(self, blocks: list[ChainState]) -> tuple[torch.Tensor, torch.Tensor]: ...

    def block_pearson(self, blocks: list[ChainState]) -> float: ...

    def use_sampler(self, name: str) -> None: ...

    def seconds_left(self) -> float | None: ...

    def out_of_time(self) -> bool: ...

    def last_update_seconds(self) -> float: ...


class Regime:
    """The default behaviour: k steps per update, nothing checked, sampled for a long time from random."""

    name: ClassVar[str] = ""
    persistent: ClassVar[bool] = False  # chains carried over from one update to the next

    def sweeps(self, run: TrainingRun) -> int:
        """Gibbs steps (sweeps) of this update."""
        return run.config.k

    def start(self, run: TrainingRun, block: int) -> ChainState:
        """The chains of block ``block`` at the start of an update (persistent regimes: where they are)."""
        return run.blocks[block]

    def after_update(self, run: TrainingRun, update: int) -> None:
        """Checks after the parameter step of ``update`` (may change the sweeps per update)."""

    def at_target(self, run: TrainingRun, update: int) -> str | None:
        """The Pearson target is reached at ``update``: the stop reason, or None to keep training."""
        return "target_pearson"

    def finish(self, run: TrainingRun) -> None:
        """Final checks once training has stopped."""

    def finish_reserve(self, run: TrainingRun) -> float:
        """Seconds of ``max_seconds`` the final checks need: training stops that long before the budget ends."""
        return 0.0

    def sampling_defaults(self, run: TrainingRun) -> SamplingDefaults:
        """How the trained model should be sampled by default."""
        return SamplingDefaults(**{**FALLBACK_SAMPLING, "beta": run.config.beta, "sampler": run.sampler.name})


class RdmRegime(Regime):
    name = "rdm"

    def start(self, run: TrainingRun, block: int) -> ChainState:
        states, weights = run.data.shards[block]
        visible = init_chains(run.per_block, run.model.length, run.model.q, run.config.init, states, weights, None,
                              run.streams[block].generator, run.model.device)
        return run.sampler.init(run.model, visible, run.streams[block])

    def sampling_defaults(self, run: TrainingRun) -> SamplingDefaults:
        """The training dynamics: k steps from p0 (the only dynamics whose samples match the data)."""
        cfg = run.config
        return SamplingDefaults(cfg.k, cfg.init, cfg.beta, False)


class CdRegime(Regime):
    name = "cd"

    def start(self, run: TrainingRun, block: int) -> ChainState:
        states, weights = run.data.shards[block]
        rows = torch.multinomial(weights, run.per_block, replacement=True, generator=run.streams[block].generator)
        return run.sampler.init(run.model, states[rows], run.streams[block])


class PcdRegime(Regime):
    name = "pcd"
    persistent = True

    def finish(self, run: TrainingRun) -> None:
        """Did the persistent chains keep up with the model? A copy of (up to ``mix_chains`` of) them runs
        PERSISTENCE_CHECK_UPDATES x k sweeps at the final parameters: their t vs t/2 mixing time, against the k sweeps
        each update gave them (the eq regime gives half the mixing time), and the Pearson of the same chains before
        and after (the same chains, so the bias of a finite chain count cancels). See :func:`persistence_outcome`."""
        cfg = run.config
        if not cfg.persistence_check:
            return
        blocks = [b.take(check_chains(run)) for b in run.blocks]
        result = mixing_test(run.model, blocks, self.check_sweeps(cfg.k), sampler=run.sampler, generator=run.streams,
                             reduce=run.comm.all_reduce_)
        before = run.block_pearson(blocks)
        moved = [b.replace(visible=v) for b, v in zip(blocks, result.final_states)]
        after = run.block_pearson(moved)
        mixing_time = result.mixing_time if result.passed else None
        check = {"sweeps": result.t_max, "mixing_time": mixing_time, "n_chains": check_chains(run) * run.n_blocks,
                 "pearson_before": before, "pearson_after": after}
        check.update(persistence_outcome(mixing_time, cfg.k, before, after))
        run.state.persistence_check = check
        if not check["kept_up"]:
            run.warn(persistence_verdict(check, cfg.k))

    @staticmethod
    def check_sweeps(k: int) -> int:
        """The end check's length: PERSISTENCE_CHECK_UPDATES x k sweeps, up to the next power of two (the t vs t/2
        test doubles t)."""
        return 1 << (PERSISTENCE_CHECK_UPDATES * k - 1).bit_length()

    def finish_reserve(self, run: TrainingRun) -> float:
        cfg = run.config
        return finish_time(run, self.check_sweeps(cfg.k) * check_chains(run) * run.n_blocks) if cfg.persistence_check else 0.0


def persistence_outcome(mixing_time: int | None, k: int, pearson_before: float, pearson_after: float) -> dict:
    """{"kept_up", "lagged"} from pcd's end check. Kept up: the chains decorrelate within 2k sweeps (the eq regime's
    rule), so each update measured chains that had forgotten the previous ones. Lagged: they did not, and at fixed
    parameters their Pearson moves by more than three measurement noises (the step-size control's "falling" bound):
    they had not caught up with the model (out of equilibrium). Neither: the chains followed the model locally (a
    slowly moving model lets chains that decorrelate slowly follow it) but regions they did not reach are unchecked."""
    kept_up = mixing_time is not None and mixing_time <= 2 * k
    return {"kept_up": kept_up, "lagged": not kept_up and abs(pearson_after - pearson_before) > 3 * SWING}


def persistence_verdict(check: dict, k: int) -> str:
    """One line on pcd's end check, with the figures."""
    mixing = f"within {check['mixing_time']}" if check["mixing_time"] is not None else f"in more than {check['sweeps']}"
    drift = (f"run on at the final parameters for {check['sweeps']} sweeps, {check['n_chains']} of them went from "
             f"Pearson {check['pearson_before']:.3f} to {check['pearson_after']:.3f}")
    if check["kept_up"]:
        return (f"pcd-{k}: the persistent chains kept up with the model (at the final parameters they decorrelate "
                f"{mixing} sweeps, <= 2 x {k} per update; {drift}); not verified from random: --regime eq does that")
    if check["lagged"]:
        return (f"pcd-{k} trained OUT OF EQUILIBRIUM: the persistent chains lagged behind the model ({drift}; they "
                f"decorrelate {mixing} sweeps against {k} per update): the couplings are fitted to chains that had not "
                f"caught up with it; --regime eq adapts the sweeps to the mixing time")
    return (f"pcd-{k}: equilibrium not established: at the final parameters the persistent chains decorrelate {mixing} "
            f"sweeps against {k} per update; their statistics held ({drift}), so they followed the model where they "
            f"were, but regions of it they did not reach are unchecked; --regime eq measures mixing during training")


class EqRegime(Regime):
    name = "eq"
    persistent = True

    def sweeps(self, run: TrainingRun) -> int:
        return run.state.sweeps

    def after_update(self, run: TrainingRun, update: int) -> None:
        """Every ``mix_check_every`` updates (and after the first): the t vs t/2 test on a copy of the chains, up to
        twice the sweeps per update. Passing at t means x(t/2) and x(t) are already independent, so t/2 sweeps per
        update give decorrelated persistent chains; failing up to 2 * sweeps means the sweeps must at least double."""
        cfg, state = run.config, run.state
        if not (update % cfg.mix_check_every == 0 or update == 1):
            return
        passed = self.measure_mixing(run, 2 * state.sweeps)
        last_trial = state.ptt_trials[-1]["ptt_cost"] if state.ptt_trials else 0
        if (cfg.sampler == "auto" and run.sampler.name == "gibbs" and state.mixing_time > cfg.auto_mixing_budget
                and state.mixing_time > last_trial):
            self.try_tempering(run, update, passed)

    def try_tempering(self, run: TrainingRun, update: int, gibbs_passed: bool) -> None:
        """The ``auto`` switch: start PTT (settled ladder) and measure its chains' mixing at once (up to twice the
        budget); its cost per decorrelated chain is (rungs above the exact bottom) x steps. Gibbs is then timed up to
        that many sweeps (where they fit in twice ``max_sweeps``): where it mixes within them, tempering would only
        cost more, so training stays with Gibbs
        (recorded in ``ptt_trials``; tried again once Gibbs needs more than that cost). Otherwise the chains continue
        with PTT, said in the log and recorded as ``sampler_switch``."""
        cfg, state = run.config, run.state
        gibbs = (run.sampler, run.blocks, state.sweeps, state.mixing_time)
        run.use_sampler("ptt")
        # measured under the new sampler now, not at the next check: a verification before it would run the
        # tempered chains from random for less than their renewal time
        state.sweeps = cfg.k
        t_max = 2 * cfg.auto_mixing_budget
        if gibbs_passed:  # tempering pays only below (Gibbs's mixing time) / (rungs above the bottom) steps: no
            # need to measure beyond (failing there already says Gibbs is cheaper)
            above = max(len(run.sampler.rungs(run.model)) - 1, 1)
            t_max = min(t_max, max(2, 1 << (-(-int(gibbs[3]) // above) - 1).bit_length()))
        ptt_passed = self.measure_mixing(run, t_max)
        rungs = len(run.sampler.rungs(run.model))
        cost = (rungs - 1) * int(state.mixing_time)
        tempered = (run.sampler, run.blocks, state.sweeps, state.mixing_time)
        run.sampler, run.blocks, state.sweeps, state.mixing_time = gibbs
        trial = {"update": update, "gibbs_mixing_time": int(gibbs[3]), "rungs": rungs,
                 "ptt_mixing_time": int(tempered[3]), "ptt_passed": bool(ptt_passed), "ptt_cost": cost}
        gibbs_cheaper = ((gibbs_passed and gibbs[3] <= cost)
                         or (gibbs[3] < cost <= 2 * cfg.max_sweeps and self.measure_mixing(run, cost)))
        if gibbs_cheaper:
            state.ptt_trials.append({**trial, "gibbs_mixing_time": int(state.mixing_time), "kept": "gibbs"})
            run.warn(f"update {update}: Gibbs chains need {state.mixing_time} sweeps; tempered chains would need "
                     f"{'' if ptt_passed else 'more than '}{tempered[3]} steps on {rungs - 1} rung(s) ({cost} rung-sweeps): "
                     f"staying with Gibbs")
            return
        run.sampler, run.blocks, state.sweeps, state.mixing_time = tempered
        state.ptt_trials.append({**trial, "kept": "ptt"})
        run.warn(f"update {update}: Gibbs chains need {'' if gibbs_passed else 'more than '}{gibbs[3]} sweeps to mix "
                 f"(budget {cfg.auto_mixing_budget}): continuing with parallel trajectory tempering (ptt)")
        state.sampler_switch = {"update": update, "gibbs_mixing_time": gibbs[3], "to": "ptt"}

    @staticmethod
    def measure_mixing(run: TrainingRun, t_max: int) -> bool:
        """The t vs t/2 test (with the sampler's renewal time) on a copy of the chains, up to ``t_max``: sets the
        mixing time (a lower bound when failing) and raises the sweeps per update to half of it; whether it passed."""
        cfg, state = run.config, run.state
        per_block = max(2, min(cfg.mix_chains // run.n_blocks, run.per_block))
        result = mixing_test(run.model, [b.take(per_block) for b in run.blocks], t_max, sampler=run.sampler,
                             generator=run.streams, reduce=run.comm.all_reduce_)
        state.mixing_time = result.mixing_time if result.passed else t_max
        needed = state.mixing_time // 2 if result.passed else t_max
        if needed > state.sweeps:
            state.sweeps = min(cfg.max_sweeps, 1 << (int(needed) - 1).bit_length())
        return result.passed

    def at_target(self, run: TrainingRun, update: int) -> str | None:
        """Chains started from random must reach the target too: read at the mixing time (they decorrelate within
        half of it, so by then they have forgotten their start twice over) and, if not there yet, at twice it. If they
        do not, the persistent chains sit where the model's long runs do not go: training continues from the fresh
        chains, so the gradient sees where the model really goes (at most ``max_verifications`` times, spaced by
        ``mix_check_every`` updates after a failure)."""
        cfg, state = run.config, run.state
        if not cfg.verify_equilibrium:
            return "target_pearson"
        last = state.verifications[-1] if state.verifications else None
        more_chains = last is not None and any(u >= last.update for u in state.growth_updates())
        if last and not last.passed and update < last.update + cfg.mix_check_every and not more_chains:
            return None  # after a failed verification, train a few updates before trying again (unless more
            # chains now measure it: their noise may be what failed it)
        sweeps = int(max(2 * (state.mixing_time or state.sweeps), 100))
        fresh, pearson, sweeps = self.chains_from_random(run, sweeps, cfg.target_pearson - cfg.verify_tolerance)
        if fresh is None:
            run.warn(f"update {update}: the time budget ended during the check of chains from random ({sweeps} sweeps): "
                     f"the model is written unverified")
            return "max_seconds"
        passed = pearson >= cfg.target_pearson - cfg.verify_tolerance
        state.verifications.append(Verification(update, sweeps, float(pearson), bool(passed)))
        if passed:
            return "target_pearson"
        if len(state.verifications) >= cfg.max_verifications:
            run.warn(f"update {update}: chains from random reach Pearson {pearson:.3f} after {sweeps} sweeps; stopping "
                     f"after {cfg.max_verifications} verifications with the target unverified")
            return "target_pearson_unverified"
        run.warn(f"update {update}: persistent chains reach the target but chains from random reach Pearson {pearson:.3f} "
                 f"after {sweeps} sweeps; continuing training from them")
        run.blocks = fresh
        return None

    def chains_from_random(self, run: TrainingRun, sweeps: int,
                           early_target: float | None = None) -> tuple[list[ChainState] | None, float, int]:
        """Chain blocks started from uniform random states and run ``sweeps`` sweeps, their Pearson and the sweeps
        run; with ``early_target``, the Pearson is read at half of them too, and the run stops there if it reaches it.
        (None, nan, sweeps) when the time budget ends first."""
        fresh = [run.sampler.init(run.model, init_chains(run.per_block, run.model.length, run.model.q, "random",
                                                         generator=stream.generator, device=run.model.device), stream)
                 for stream in run.streams]
        done, pearson = 0, float("nan")
        for look in ([sweeps // 2] if early_target is not None else []) + [sweeps]:
            fresh = run_within_budget(run, fresh, look - done)
            if fresh is None:
                return None, float("nan"), look
            done = look
            pearson = run.block_pearson(fresh)
            if early_target is not None and pearson >= early_target:
                break
        return fresh, pearson, done

    def finish(self, run: TrainingRun) -> None:
        """Equilibrium check the persistent chains cannot give: chains from random must reach the persistent chains'
        energy and one-site frequencies. Its time sets the default sampling length; failing it is reported."""
        cfg, state = run.config, run.state
        if not cfg.random_start_check:
            return
        per_block = check_chains(run)
        # tempering chains forget their start once renewed from the exact bottom rung, and the mixing time measured
        # with tempering includes that renewal: twice it suffices; Gibbs chains get a wider margin
        t_max = self.end_check_sweeps(run)
        budget = run.seconds_left()  # the rest of the run's budget (training stopped early enough to leave it)
        result = equilibration_from_random(run.model, [b.visible[:per_block] for b in run.blocks], t_max,
                                           sampler=run.sampler, generator=run.streams, reduce=run.comm.all_reduce_,
                                           max_seconds=budget)
        state.random_start_time, state.random_start_t_max = result.time, result.t_max
        if result.timed_out:
            run.warn(f"the check of chains from random stopped at {result.t_max} sweeps, at the end of the time budget "
                     f"({budget:.0f} s were left for it)")
        if not result.passed:
            last = result.table[-1]
            run.warn(
                f"chains started from random did not reach the energy of the persistent chains within {result.t_max} sweeps "
                f"(mean energy {last['energy_fresh']:.2f} vs {last['energy_reference']:.2f}, largest one-site z "
                f"{last['max_site_z']:.1f} vs bound {last['z_bound']:.1f}): the persistent chains passed "
                f"the mixing test but may not represent the model's equilibrium (slow or multimodal landscape); "
                f"long samples from random may differ from the training statistics"
            )

    @staticmethod
    def end_check_sweeps(run: TrainingRun) -> int:
        """The longest run of the end-of-training check. Tempering chains forget their start once renewed from the
        exact bottom rung, and the mixing time measured with tempering includes that renewal: twice it suffices;
        Gibbs chains get a wider margin."""
        state = run.state
        margin = 2 if run.sampler.regenerates else 8
        t_max = 1 << max(int(margin * max(state.sweeps, state.mixing_time or 1)) - 1, 1).bit_length()
        return min(t_max, 16 * run.config.max_sweeps)

    def finish_reserve(self, run: TrainingRun) -> float:
        """Time for the end-of-training check and one verification at the target (see :func:`finish_time`)."""
        cfg, state = run.config, run.state
        check = self.end_check_sweeps(run) * min(cfg.mix_chains, run.n_chains) if cfg.random_start_check else 0
        verify = max(2 * (state.mixing_time or state.sweeps), 100) * run.n_chains if cfg.verify_equilibrium else 0
        return finish_time(run, check + verify)

    def sampling_defaults(self, run: TrainingRun) -> SamplingDefaults:
        """From random for twice the longer of the mixing time and the time chains from random took to reach the
        persistent chains; if they never did (or no verification passed), for the longest time tried, flagged."""
        state, beta = run.state, run.config.beta
        checked = state.random_start_t_max is not None
        if not (state.mixing_time or checked):
            return super().sampling_defaults(run)
        verified = [v for v in state.verifications if v.passed]
        # a run that had a target to verify and stopped before verifying it (budget, max_updates) is not marked
        wanted = run.config.verify_equilibrium and run.config.target_pearson is not None
        if (checked and state.random_start_time is None) or ((state.verifications or wanted) and not verified):
            longest = max([state.random_start_t_max or 0, 2 * (state.mixing_time or 0), 100,
                           *(v.sweeps for v in state.verifications)])
            return SamplingDefaults(int(longest), "random", beta, False, run.sampler.name)
        k = max(2 * (state.mixing_time or 1), 2 * (state.random_start_time or 0), 100, *(v.sweeps for v in verified))
        return SamplingDefaults(int(k), "random", beta, True, run.sampler.name)


def run_within_budget(run: TrainingRun, blocks: list[ChainState], sweeps: int) -> list[ChainState] | None:
    """``blocks`` run ``sweeps`` steps with the run's sampler; under a time budget in ``VERIFY_CHUNKS`` pieces with
    the (agreed) clock read between them: None when the budget ends first."""
    if run.seconds_left() is None:
        return [run.sampler.step(run.model, b, sweeps, s)[0] for b, s in zip(blocks, run.streams)]
    chunk, done = max(1, -(-sweeps // VERIFY_CHUNKS)), 0
    while done < sweeps:
        if run.out_of_time():
            return None
        n = min(chunk, sweeps - done)
        blocks = [run.sampler.step(run.model, b, n, s)[0] for b, s in zip(blocks, run.streams)]
        done += n
    return blocks


REGIMES: dict[str, type[Regime]] = {r.name: r for r in (RdmRegime, CdRegime, PcdRegime, EqRegime)}
