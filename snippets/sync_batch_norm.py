"""Synchronised Batch Normalization (SyncBN) across devices, in NumPy.

In data-parallel training each device (rank) holds a slice of the global batch. Plain
BN normalises each slice with its own statistics; SyncBN normalises every slice with
the statistics of the whole global batch, and its backward pass needs two global
sums as well. The communication is passed in, so the same code runs in one process
or in several:

* ``all_reduce(a)``: the element-wise sum of ``a`` over all ranks;
* ``all_gather(a)``: the list of every rank's ``a``, in rank order.

``tests/test_sync_batch_norm.py`` runs it in 2 processes with torch.distributed (gloo,
127.0.0.1) and shows the result equals torch's BN on the concatenated batch, outputs
and gradients, and that the two wrong ways below are measurably wrong.
"""

from __future__ import annotations

import numpy as np

from snippets.numerics import merge_stats


def _axes_shape(x):
    return (0,) + tuple(range(2, x.ndim)), (1, -1) + (1,) * (x.ndim - 2)


# --8<-- [start:sync_forward]
def local_sums(x):
    """This rank's [Σx, Σx², count] per channel, shape (3, C)."""
    axes, _ = _axes_shape(x)
    count = np.full(x.shape[1], x.size // x.shape[1], dtype=x.dtype)
    return np.stack([x.sum(axis=axes), (x * x).sum(axis=axes), count])


def sync_batch_norm(x, weight, bias, all_reduce, eps=1e-5):
    """Training-mode BN of this rank's slice with the global batch's statistics.

    Returns y and the cache ``sync_batch_norm_backward`` needs.
    """
    _, shape = _axes_shape(x)
    # one all-reduce of 3·C numbers: Σx, Σx² and m over every rank
    sum_x, sum_x2, m = all_reduce(local_sums(x))
    mean = sum_x / m
    # σ² = E[x²] − E[x]²: fine in float64; in float32 use the Chan merge below
    var = sum_x2 / m - mean * mean
    invstd = 1 / np.sqrt(var + eps)
    x_hat = (x - mean.reshape(shape)) * invstd.reshape(shape)
    y = weight.reshape(shape) * x_hat + bias.reshape(shape)
    return y, (x_hat, invstd, m, weight)
# --8<-- [end:sync_forward]


# --8<-- [start:sync_backward]
def sync_batch_norm_backward(grad_output, cache, all_reduce):
    """(∂L/∂x of this slice, this rank's ∂L/∂γ, this rank's ∂L/∂β).

    The closed form needs Σ dy and Σ dy·x̂ over the *global* batch: a second
    all-reduce of 2·C numbers. ∂L/∂γ and ∂L/∂β stay local: data parallelism sums
    them over ranks like every other parameter gradient.
    """
    x_hat, invstd, m, weight = cache
    axes, shape = _axes_shape(grad_output)
    local = np.stack([grad_output.sum(axis=axes), (grad_output * x_hat).sum(axis=axes)])
    sum_dy, sum_dy_x_hat = all_reduce(local)
    # ∂L/∂x_i = γ / (m σ) · (m · dy_i − Σ dy − x̂_i · Σ dy · x̂)   with global m and sums
    scale = (weight * invstd / m).reshape(shape)
    grad_input = scale * (m.reshape(shape) * grad_output - sum_dy.reshape(shape)
                          - x_hat * sum_dy_x_hat.reshape(shape))
    return grad_input, local[1], local[0]
# --8<-- [end:sync_backward]


# --8<-- [start:chan]
def local_moments(x):
    """This rank's (n, mean, M2) per channel, M2 = Σ (x − mean)² (two passes)."""
    axes, shape = _axes_shape(x)
    mean = x.mean(axis=axes)
    m2 = ((x - mean.reshape(shape)) ** 2).sum(axis=axes)
    return x.size // x.shape[1], mean, m2


def gathered_statistics(x, all_gather):
    """Global (m, mean, biased variance) by merging every rank's moments (Chan et al.).

    No E[x²] − E[x]²: accurate in float32 even when |mean| ≫ std.
    """
    first, *others = all_gather(local_moments(x))
    n, mean, m2 = first
    for other in others:
        n, mean, m2 = merge_stats(n, mean, m2, *other)
    return n, mean, m2 / n
# --8<-- [end:chan]


# --8<-- [start:wrong_ways]
def averaged_variance_batch_norm(x, all_reduce, world_size, eps=1e-5):
    """WRONG: the mean of the ranks' means and of the ranks' variances.

    The global variance is E_k[σ_k²] + Var_k[μ_k] (with equal slices): averaging
    variances forgets how far apart the ranks' means are.
    """
    axes, shape = _axes_shape(x)
    mean = all_reduce(x.mean(axis=axes)) / world_size
    var = all_reduce(x.var(axis=axes)) / world_size
    return (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)


def detached_backward(grad_output, cache):
    """WRONG: ∂L/∂x with the global μ, σ taken as constants (e.g. all-reduced
    outside autograd): γ/σ · dy, without the two global sums."""
    _, invstd, _, weight = cache
    _, shape = _axes_shape(grad_output)
    return grad_output * (weight * invstd).reshape(shape)
# --8<-- [end:wrong_ways]
