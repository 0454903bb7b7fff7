"""Batch Normalization as a computational graph: Algorithm 1 one node a line, and the
backward pass walked node by node with the chain rule.

Ioffe & Szegedy 2015, arXiv:1502.03167, section 3 (Algorithm 1 and the gradients under
it). The closed form that this walk simplifies to is ``batch_norm.batch_norm_backward``;
``tests/test_batch_norm_graph.py`` checks both against torch 2.13 autograd, and the two
properties of the gradient (its sum is 0; it is orthogonal to x̂ only when ε = 0).
"""

from __future__ import annotations

import numpy as np


def _axes_and_count(x):
    """Reduced axes of an (N, C, *) input (all but the channel axis) and m."""
    axes = (0,) + tuple(range(2, x.ndim))
    return axes, x.size // x.shape[1]


# --8<-- [start:forward_graph]
def forward_graph(x, gamma, beta, eps=1e-5):
    """Algorithm 1 on ``x`` of shape (N, C, *), one graph node a line.

    gamma, beta: shape (C,). Returns ``y`` and the cache the backward pass reads.
    """
    axes, m = _axes_and_count(x)
    shape = (1, -1) + (1,) * (x.ndim - 2)            # (C,) broadcast over (N, C, *)
    gamma, beta = gamma.reshape(shape), beta.reshape(shape)
    mu = x.sum(axis=axes, keepdims=True) / m         # ① μ = (1/m) Σ x_i
    xmu = x - mu                                     # ② x_i − μ
    sq = xmu ** 2                                    # ③ (x_i − μ)²
    var = sq.sum(axis=axes, keepdims=True) / m       # ④ σ² = (1/m) Σ (x_i − μ)²
    std = np.sqrt(var + eps)                         # ⑤ √(σ² + ε)
    inv = 1 / std                                    # ⑥ 1/√(σ² + ε)
    x_hat = xmu * inv                                # ⑦ x̂_i = (x_i − μ)/√(σ² + ε)
    y = gamma * x_hat + beta                         # ⑧ y_i = γ x̂_i + β
    return y, (x_hat, xmu, inv, std, gamma, axes, m)
# --8<-- [end:forward_graph]


# --8<-- [start:backward_graph]
def backward_graph(dy, cache):
    """The chain rule through the nodes of ``forward_graph``, last node first.

    dy = ∂L/∂y. Returns (∂L/∂x, ∂L/∂γ, ∂L/∂β). Each ``d<name>`` is ∂L/∂<name>.
    """
    x_hat, xmu, inv, std, gamma, axes, m = cache
    # ⑧ y = γ x̂ + β
    dbeta = dy.sum(axis=axes)
    dgamma = (dy * x_hat).sum(axis=axes)
    dx_hat = dy * gamma
    # ⑦ x̂ = xmu · inv: xmu reaches the loss here and again through ③
    dinv = (dx_hat * xmu).sum(axis=axes, keepdims=True)
    dxmu = dx_hat * inv
    # ⑥ inv = 1/std, ⑤ std = √(var + ε)
    dstd = -dinv / std ** 2
    dvar = dstd / (2 * std)
    # ④ var = (1/m) Σ sq, ③ sq = xmu²
    dsq = np.broadcast_to(dvar / m, xmu.shape)
    dxmu = dxmu + 2 * xmu * dsq
    # ② xmu = x − μ: x directly, and through μ
    dmu = -dxmu.sum(axis=axes, keepdims=True)
    # ① μ = (1/m) Σ x
    dx = dxmu + dmu / m
    return dx, dgamma, dbeta
# --8<-- [end:backward_graph]


# --8<-- [start:gradient_properties]
def channel_sums(a, b=None):
    """Σ over each channel of ``a`` (or of ``a · b``): the checks below, per channel."""
    axes, _ = _axes_and_count(a)
    return (a if b is None else a * b).sum(axis=axes)


def grad_dot_x_hat(dy, x, gamma, eps):
    """Σ_i ∂L/∂x_i · x̂_i predicted in closed form, per channel.

    = γ · Σ_i dy_i x̂_i / √(σ² + ε) · ε/(σ² + ε): zero only when ε = 0.
    """
    axes, _ = _axes_and_count(x)
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mu = x.mean(axis=axes, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=axes)
    x_hat = (x - mu) / np.sqrt(var.reshape(shape) + eps)
    return gamma * channel_sums(dy, x_hat) / np.sqrt(var + eps) * eps / (var + eps)
# --8<-- [end:gradient_properties]
