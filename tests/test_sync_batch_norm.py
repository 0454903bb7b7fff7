"""snippets/sync_batch_norm.py in 2 processes with torch.distributed (gloo on 127.0.0.1),
against torch 2.13's BN on the concatenated batch in one process (float64).

The two ranks are forked from the test process (no second torch import), rendezvous
over TCP on 127.0.0.1 at a free port, and are killed if they are not done within
``TIMEOUT_S``. Each rank returns what it computed; the checks run here:

* synchronised outputs, input gradients and (summed) γ/β gradients equal torch's
  full-batch BN, both from the NumPy code and from torch autograd through the
  differentiable ``torch.distributed.nn.functional.all_reduce``;
* the Chan merge of all-gathered moments gives the full-batch statistics;
* averaging the ranks' variances and detaching the global statistics are wrong by a
  margin far above rounding; per-rank BN (no sync) differs too;
* ``torch.nn.SyncBatchNorm`` refuses CPU tensors in training once a process group
  exists, even a group of one process; without a group, or in eval mode, it is F.batch_norm.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import traceback
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from snippets.sync_batch_norm import (
    averaged_variance_batch_norm,
    detached_backward,
    gathered_statistics,
    local_moments,
    local_sums,
    sync_batch_norm,
    sync_batch_norm_backward,
)

WORLD = 2
TIMEOUT_S = 60          # a hang fails the test instead of blocking the suite
EPS = 1e-5
C = 3
# Uneven, differently distributed slices: rank 1 sees larger, shifted values.
SLICE_SHAPES = [(3, C, 4, 5), (5, C, 4, 5)]


def slices_and_grads(seed=0):
    rng = np.random.default_rng(seed)
    slices = [rng.standard_normal(SLICE_SHAPES[0]) + 1.0,
              rng.standard_normal(SLICE_SHAPES[1]) * 3.0 - 2.0]
    grads = [rng.standard_normal(s) for s in SLICE_SHAPES]
    weight, bias = rng.uniform(0.5, 2.0, C), rng.standard_normal(C)
    return slices, grads, weight, bias


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rank_main(rank, port, slices, grads, weight, bias, conn):
    """One rank: everything that needs the process group; results go back by pipe."""
    import torch.distributed as dist
    import torch.distributed.nn.functional as dist_nn

    try:
        torch.set_num_threads(1)
        os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
        if Path("/sys/class/net/lo").exists():
            os.environ["GLOO_SOCKET_IFNAME"] = "lo"   # gloo's own sockets on loopback too
        dist.init_process_group("gloo", rank=rank, world_size=WORLD,
                                timeout=timedelta(seconds=TIMEOUT_S))
        x, dy = slices[rank], grads[rank]

        def all_reduce(a):
            t = torch.from_numpy(np.array(a, dtype=np.float64))
            dist.all_reduce(t)
            return t.numpy()

        def all_gather(obj):
            out = [None] * WORLD
            dist.all_gather_object(out, obj)
            return out

        out = {}
        # the NumPy SyncBN
        y, cache = sync_batch_norm(x, weight, bias, all_reduce, EPS)
        dx, dgamma, dbeta = sync_batch_norm_backward(dy, cache, all_reduce)
        out.update(y=y, dx=dx, dgamma=dgamma, dbeta=dbeta)
        out["chan"] = gathered_statistics(x, all_gather)
        # the wrong ways
        out["y_averaged_variance"] = averaged_variance_batch_norm(x, all_reduce, WORLD, EPS)
        out["dx_detached"] = detached_backward(dy, cache)

        # torch autograd through a differentiable all-reduce of [Σx, Σx², m]
        shape = (1, -1, 1, 1)
        xt = torch.tensor(x, requires_grad=True)
        local = torch.stack([xt.sum((0, 2, 3)), (xt * xt).sum((0, 2, 3)),
                             torch.full((C,), float(x.size // C), dtype=torch.float64)])
        sums = dist_nn.all_reduce(local)
        mean, var = sums[0] / sums[2], sums[1] / sums[2] - (sums[0] / sums[2]) ** 2
        yt = (xt - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + EPS)
        yt = yt * torch.tensor(weight).reshape(shape) + torch.tensor(bias).reshape(shape)
        yt.backward(torch.tensor(dy))
        out.update(y_torch=yt.detach().numpy(), dx_torch=xt.grad.numpy())

        # torch autograd with the same statistics all-reduced outside autograd
        xd = torch.tensor(x, requires_grad=True)
        sums_d = torch.from_numpy(local_sums(x).copy())
        dist.all_reduce(sums_d)                     # a plain collective: no gradient path
        mean_d = sums_d[0] / sums_d[2]
        var_d = sums_d[1] / sums_d[2] - mean_d ** 2
        yd = (xd - mean_d.reshape(shape)) / torch.sqrt(var_d.reshape(shape) + EPS)
        (yd * torch.tensor(weight).reshape(shape)).backward(torch.tensor(dy))
        out["dx_detached_torch"] = xd.grad.numpy()

        # torch's own SyncBatchNorm: needs a GPU (or XPU, ...) once it must synchronise
        try:
            torch.nn.SyncBatchNorm(C).double()(torch.tensor(x))
            out["sync_bn_error"] = None
        except ValueError as err:
            out["sync_bn_error"] = str(err)
        dist.barrier()
        dist.destroy_process_group()
        conn.send(("ok", out))
    except BaseException:  # noqa: BLE001 - report anything to the parent
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


@pytest.fixture(scope="module")
def ranks():
    """Run both ranks once for all the checks below; return (inputs, their results)."""
    slices, grads, weight, bias = slices_and_grads()
    ctx = multiprocessing.get_context("fork")
    port = _free_port()
    pipes, procs = [], []
    threads = torch.get_num_threads()
    torch.set_num_threads(1)                          # the children run single-threaded
    for rank in range(WORLD):
        parent, child = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_rank_main, args=(rank, port, slices, grads, weight, bias, child),
                           daemon=True)
        proc.start()
        child.close()
        pipes.append(parent)
        procs.append(proc)
    torch.set_num_threads(threads)
    results = []
    try:
        for rank, pipe in enumerate(pipes):
            if not pipe.poll(TIMEOUT_S):
                pytest.fail(f"rank {rank} sent nothing within {TIMEOUT_S} s")
            status, payload = pipe.recv()
            if status != "ok":
                pytest.fail(f"rank {rank} failed:\n{payload}")
            results.append(payload)
    finally:
        for proc in procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
                proc.join()
    assert all(proc.exitcode == 0 for proc in procs)
    return (slices, grads, weight, bias), results


def full_batch_torch(slices, grads, weight, bias):
    """torch's training-mode BN on the concatenated batch, in one process."""
    x = torch.tensor(np.concatenate(slices), requires_grad=True)
    w = torch.tensor(weight, requires_grad=True)
    b = torch.tensor(bias, requires_grad=True)
    y = F.batch_norm(x, None, None, w, b, training=True, eps=EPS)
    y.backward(torch.tensor(np.concatenate(grads)))
    return y.detach().numpy(), x.grad.numpy(), w.grad.numpy(), b.grad.numpy()


def gather(results, key):
    return np.concatenate([r[key] for r in results])


TOL = dict(rtol=1e-10, atol=1e-12)


def test_synchronised_outputs_and_gradients_equal_full_batch_bn(ranks):
    inputs, results = ranks
    y, dx, dgamma, dbeta = full_batch_torch(*inputs)
    np.testing.assert_allclose(gather(results, "y"), y, **TOL)
    np.testing.assert_allclose(gather(results, "dx"), dx, **TOL)
    np.testing.assert_allclose(sum(r["dgamma"] for r in results), dgamma, **TOL)
    np.testing.assert_allclose(sum(r["dbeta"] for r in results), dbeta, **TOL)


def test_autograd_through_a_differentiable_all_reduce_agrees(ranks):
    inputs, results = ranks
    y, dx, _, _ = full_batch_torch(*inputs)
    np.testing.assert_allclose(gather(results, "y_torch"), y, **TOL)
    np.testing.assert_allclose(gather(results, "dx_torch"), dx, **TOL)


def test_chan_merge_of_gathered_moments_gives_the_full_batch_statistics(ranks):
    (slices, _, _, _), results = ranks
    x = np.concatenate(slices)
    for m, mean, var in (r["chan"] for r in results):
        np.testing.assert_array_equal(m, x.size // C)
        np.testing.assert_allclose(mean, x.mean(axis=(0, 2, 3)), **TOL)
        np.testing.assert_allclose(var, x.var(axis=(0, 2, 3)), **TOL)


def test_per_rank_statistics_differ_from_the_global_ones(ranks):
    (slices, grads, weight, bias), _ = ranks
    y, _, _, _ = full_batch_torch(slices, grads, weight, bias)
    unsynced = np.concatenate([F.batch_norm(torch.tensor(s), None, None, torch.tensor(weight),
                                            torch.tensor(bias), training=True, eps=EPS).numpy()
                               for s in slices])
    assert np.abs(unsynced - y).max() > 0.1


def test_averaging_the_ranks_variances_is_wrong(ranks):
    (slices, grads, _, _), results = ranks
    x_hat = F.batch_norm(torch.tensor(np.concatenate(slices)), None, None, training=True, eps=EPS).numpy()
    assert np.abs(gather(results, "y_averaged_variance") - x_hat).max() > 0.1


def test_detached_statistics_give_a_wrong_input_gradient(ranks):
    inputs, results = ranks
    _, dx, _, _ = full_batch_torch(*inputs)
    detached = gather(results, "dx_detached")
    # the NumPy formula is what torch autograd gives with the statistics cut off
    np.testing.assert_allclose(detached, gather(results, "dx_detached_torch"), **TOL)
    assert np.abs(detached - dx).max() > 0.1
    # the right gradient sums to 0 per channel over the global batch; the detached one does not
    assert np.abs(dx.sum(axis=(0, 2, 3))).max() < 1e-10
    assert np.abs(detached.sum(axis=(0, 2, 3))).min() > 1e-2


def test_torch_sync_batch_norm_needs_a_gpu(ranks):
    _, results = ranks
    for r in results:
        assert r["sync_bn_error"] is not None and "expected input tensor to be on GPU" in r["sync_bn_error"]


def test_torch_sync_batch_norm_checks_the_device_before_the_world_size():
    # The 多卡同步 page: it falls back to F.batch_norm without a process group or in eval
    # mode, but once a group exists a CPU tensor fails even when world_size is 1.
    import torch.distributed as dist

    x = torch.tensor(slices_and_grads()[0][1])
    bn = torch.nn.SyncBatchNorm(C).double()
    np.testing.assert_allclose(bn(x).detach().numpy(),
                               F.batch_norm(x, None, None, training=True, eps=EPS).numpy(), **TOL)
    dist.init_process_group("gloo", store=dist.HashStore(), rank=0, world_size=1)
    try:
        assert dist.get_world_size() == 1
        with pytest.raises(ValueError, match="expected input tensor to be on GPU"):
            bn(x)
        bn.eval()
        expected = F.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias,
                                training=False, eps=EPS)
        np.testing.assert_allclose(bn(x).detach().numpy(), expected.detach().numpy(), **TOL)
    finally:
        dist.destroy_process_group()


def test_the_kernels_torch_sync_batch_norm_calls_do_not_exist_on_cpu():
    # SyncBatchNorm's forward starts with torch.batch_norm_stats (per-rank mean, invstd)
    with pytest.raises(NotImplementedError, match="batch_norm_stats"):
        torch.batch_norm_stats(torch.ones(4, C, 2, dtype=torch.float64), EPS)


# --- one process: the float32 precision of the Σx² route ------------------------------

def test_float32_sums_lose_the_variance_where_the_chan_merge_keeps_it():
    rng = np.random.default_rng(1)
    slices = [(rng.standard_normal((16, C, 8, 8)) + 1e3).astype(np.float32) for _ in range(2)]
    full = np.concatenate(slices).astype(np.float64)
    expected = F.batch_norm(torch.tensor(full), None, None, training=True, eps=EPS).numpy()[:16]
    totals = sum(local_sums(s) for s in slices)        # what the all-reduce would return
    with np.errstate(invalid="ignore"):
        y, cache = sync_batch_norm(slices[0], np.ones(C, np.float32), np.zeros(C, np.float32),
                                   lambda a: totals, EPS)
    error = np.abs(y - expected)
    assert not np.all(error < 0.05)                     # wrong by a lot (or nan)
    var_from_sums = 1 / cache[1].astype(np.float64) ** 2 - EPS
    assert np.abs(var_from_sums / full.var(axis=(0, 2, 3)) - 1).max() > 0.05   # the page: 6%–13%
    _, mean, var = gathered_statistics(slices[0], lambda obj: [obj, local_moments(slices[1])])
    np.testing.assert_allclose(mean, full.mean(axis=(0, 2, 3)), rtol=1e-6)
    np.testing.assert_allclose(var, full.var(axis=(0, 2, 3)), rtol=1e-4)


def test_the_global_variance_is_the_mean_variance_plus_the_spread_of_the_means():
    # the page's reason why averaging variances is wrong (law of total variance)
    slices, _, _, _ = slices_and_grads(seed=2)
    full = torch.tensor(np.concatenate(slices))
    expected = full.var(dim=(0, 2, 3), unbiased=False).numpy()
    m = np.array([s.size // C for s in slices], dtype=float)
    mus = np.stack([s.mean(axis=(0, 2, 3)) for s in slices])
    variances = np.stack([s.var(axis=(0, 2, 3)) for s in slices])
    mu = (m[:, None] * mus).sum(0) / m.sum()
    total = (m[:, None] * (variances + (mus - mu) ** 2)).sum(0) / m.sum()
    np.testing.assert_allclose(total, expected, rtol=1e-12)
    assert np.all(np.abs(variances.mean(0) - expected) > 0.5)
