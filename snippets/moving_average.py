"""The running (moving) statistics of Batch Normalization: how torch averages them, what
the paper's Algorithm 2 computes instead, and why training does not normalise with them.

Ioffe & Szegedy 2015, arXiv:1502.03167: section 2 (normalising outside the gradient
makes a parameter drift while the loss stays put) and Algorithm 2 (inference
statistics). ``tests/test_moving_average.py`` checks every function against the
buffers and gradients of torch 2.13.
"""

from __future__ import annotations

import numpy as np


# --8<-- [start:torch_update]
def running_update(running_mean, running_var, x, momentum=0.1):
    """One training step of torch's buffers, for x of shape (N, C, *); in place.

    momentum is the weight of the *new* batch; momentum=None is handled by
    ``cumulative_factor``. The variance tracked is the unbiased one.
    """
    axes = (0,) + tuple(range(2, x.ndim))
    m = x.size // x.shape[1]
    mean = x.mean(axis=axes)
    # σ²_B (biased) normalises the batch; m/(m − 1) · σ²_B is averaged
    unbiased = x.var(axis=axes) * m / (m - 1)
    # running ← (1 − momentum) · running + momentum · batch
    running_mean[:] = (1 - momentum) * running_mean + momentum * mean
    running_var[:] = (1 - momentum) * running_var + momentum * unbiased


def cumulative_factor(num_batches_tracked):
    """momentum=None: the t-th batch gets weight 1/t, a plain average of all batches."""
    return 1.0 / num_batches_tracked
# --8<-- [end:torch_update]


# --8<-- [start:ema_weights]
def ema_weights(momentum, steps):
    """Weight of each batch in the running value after ``steps`` updates.

    Returns (weights of batches 1..steps, weight of the initial value). The batch
    k steps back weighs momentum · (1 − momentum)^k: a window of about 1/momentum
    batches.
    """
    ages = np.arange(steps - 1, -1, -1)                  # batch 1 is the oldest
    return momentum * (1 - momentum) ** ages, (1 - momentum) ** steps
# --8<-- [end:ema_weights]


# --8<-- [start:algorithm2]
def inference_statistics(batches):
    """The paper's Algorithm 2: population statistics from training mini-batches.

    E[x] ← E_B[μ_B],  Var[x] ← m/(m − 1) · E_B[σ²_B]   (each batch has m values
    per channel). torch's momentum=None computes the same average incrementally.
    """
    axes = (0,) + tuple(range(2, batches[0].ndim))
    m = batches[0].size // batches[0].shape[1]
    means = np.stack([b.mean(axis=axes) for b in batches])
    variances = np.stack([b.var(axis=axes) for b in batches])
    return means.mean(axis=0), m / (m - 1) * variances.mean(axis=0)
# --8<-- [end:algorithm2]


# --8<-- [start:lag]
def steady_lag(drift_per_step, momentum):
    """How far the running mean trails a batch mean that grows by ``drift_per_step``.

    r_t = (1 − a) r_{t−1} + a · δ t  tends to  δ t − δ (1 − a)/a.
    """
    return drift_per_step * (1 - momentum) / momentum
# --8<-- [end:lag]


# --8<-- [start:frozen_statistics]
def frozen_statistics_backward(grad_output, running_var, weight, eps=1e-5):
    """∂L/∂x when μ and σ² are constants (eval mode, or "moving statistics in
    training"): γ/√(σ² + ε) · dy. No mean is removed, nothing is projected out."""
    shape = (1, -1) + (1,) * (grad_output.ndim - 2)
    return grad_output * (weight / np.sqrt(running_var + eps)).reshape(shape)


def bias_drift(u, target, lr, steps, through_mean):
    """Section 2 of the paper: x̂ = u + b − E[u + b], loss ½‖x̂ − target‖², SGD on b.

    through_mean=False ignores that E[u + b] depends on b (as normalising with
    statistics outside the gradient does): b moves every step while x̂ and the
    loss never change. Returns the b and the loss of every step.
    """
    b, history = 0.0, []
    for _ in range(steps):
        x_hat = u + b - (u + b).mean()
        residual = x_hat - target
        history.append((b, 0.5 * float((residual ** 2).sum())))
        grad = residual.sum()                        # ∂ℓ/∂b with E[u + b] held fixed
        if through_mean:
            grad -= u.size * residual.mean()         # ∂E[u + b]/∂b = 1: the terms cancel
        b -= lr * grad
    return history
# --8<-- [end:frozen_statistics]


# --8<-- [start:train_eval_gap]
def eval_over_train_scale(batch_var, m, eps=1e-5):
    """x̂_eval / x̂_train on a batch whose statistics the buffers hold exactly.

    Even then eval divides by √(m/(m − 1) · σ²_B + ε), training by √(σ²_B + ε):
    about √((m − 1)/m), 0.71 for m = 2.
    """
    return np.sqrt((batch_var + eps) / (batch_var * m / (m - 1) + eps))
# --8<-- [end:train_eval_gap]
