"""Batch Normalization in NumPy, the mirror of PyTorch's ``BatchNorm{1,2,3}d``.

Ioffe & Szegedy 2015, arXiv:1502.03167. Channel axis 1; every other axis is reduced,
so each channel has m = N·L (1d), N·H·W (2d) or N·D·H·W (3d) values.
``tests/test_batch_norm*.py`` checks it against ``torch==2.13.0``.
"""

from __future__ import annotations

import math

import numpy as np


def _check_arguments(input, running_mean, running_var, weight, bias, training, eps):
    """Raise what ``torch.nn.functional.batch_norm`` raises (same types)."""
    if not np.issubdtype(input.dtype, np.floating):
        raise NotImplementedError(f'"batch_norm" not implemented for {input.dtype}')
    size = input.shape
    if training and size[0] * math.prod(size[2:]) == 1:
        raise ValueError("Expected more than 1 value per channel when training, "
                         f"got input size {size}")
    if training and eps <= 0.0:
        raise ValueError(
            f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None "
                         "or neither be None")
    if not training and running_mean is None:
        raise RuntimeError("running_mean must be defined in evaluation mode")
    # parameters share the input's dtype; float16 may have float32 ones (torch's
    # mixed precision)
    allowed = {input.dtype}
    if input.dtype == np.float16:
        allowed.add(np.dtype(np.float32))
    params = {"running_mean": running_mean, "running_var": running_var,
              "weight": weight, "bias": bias}
    for name, param in params.items():
        if param is None:
            continue
        if param.size != size[1]:
            raise RuntimeError(
                f"{name} should contain {size[1]} elements not {param.size}")
        if param.dtype not in allowed:
            raise RuntimeError(f"mixed dtype: {name} is {param.dtype}, "
                               f"input is {input.dtype}")


# --8<-- [start:batch_norm]
def batch_norm(input, running_mean, running_var, weight=None, bias=None,
               training=False, momentum=0.1, eps=1e-5):
    """Normalise ``input`` of shape (N, C, *) per channel C.

    training: use the batch's statistics and, when the buffers are given, update
    ``running_mean`` and ``running_var`` in place. Otherwise use the buffers.
    """
    _check_arguments(input, running_mean, running_var, weight, bias, training, eps)
    axes = (0,) + tuple(range(2, input.ndim))        # all axes but the channel axis
    shape = (1, -1) + (1,) * (input.ndim - 2)        # broadcast (C,) over (N, C, *)
    # float16 is computed in float32 and rounded back at the end, as torch does
    x = input.astype(np.promote_types(input.dtype, np.float32), copy=False)
    if training and x.size == 0:
        return input.copy()                          # torch leaves the buffers alone
    if training:
        m = x.size // x.shape[1]
        # μ_B = (1/m) Σ x_i
        mean = x.mean(axis=axes)
        # σ²_B = (1/m) Σ (x_i − μ_B)²   (two passes: accurate even when |μ_B| ≫ σ_B)
        var = ((x - mean.reshape(shape)) ** 2).mean(axis=axes)
        if running_mean is not None:
            # running ← (1 − momentum) · running + momentum · batch
            running_mean[:] = (1 - momentum) * running_mean + momentum * mean
            # running_var tracks the unbiased m/(m − 1) · σ²_B (the paper's Var[x])
            unbiased = var * m / (m - 1)
            running_var[:] = (1 - momentum) * running_var + momentum * unbiased
    else:
        mean, var = running_mean, running_var
    # x̂ = (x − μ) / √(σ² + ε)
    x_hat = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    # y = γ x̂ + β
    y = x_hat
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y.astype(input.dtype, copy=False)
# --8<-- [end:batch_norm]


# --8<-- [start:batch_norm_backward]
def batch_norm_backward(grad_output, input, weight=None, eps=1e-5):
    """Gradients of training-mode ``batch_norm``, by the closed form.

    Returns ``(grad_input, grad_weight, grad_bias)``. The batch statistics are
    recomputed from ``input``; without ``weight``, γ = 1.
    """
    axes = (0,) + tuple(range(2, input.ndim))
    shape = (1, -1) + (1,) * (input.ndim - 2)
    param_dtype = input.dtype if weight is None else weight.dtype
    if input.size == 0:                              # an empty batch: zero gradients
        zeros = np.zeros(input.shape[1], param_dtype)
        return np.zeros_like(input), zeros, zeros.copy()
    x = input.astype(np.promote_types(input.dtype, np.float32), copy=False)
    dy = grad_output.astype(x.dtype, copy=False)
    m = x.size // x.shape[1]
    mean = x.mean(axis=axes)
    var = ((x - mean.reshape(shape)) ** 2).mean(axis=axes)
    # 1/σ = 1/√(σ²_B + ε)
    invstd = 1 / np.sqrt(var + eps)
    # x̂_i = (x_i − μ_B) / σ
    x_hat = (x - mean.reshape(shape)) * invstd.reshape(shape)
    # ∂L/∂β = Σ dy_i
    grad_bias = dy.sum(axis=axes)
    # ∂L/∂γ = Σ dy_i · x̂_i
    grad_weight = (dy * x_hat).sum(axis=axes)
    gamma = np.ones_like(invstd) if weight is None else weight
    # ∂L/∂x_i = γ / (m σ) · (m · dy_i − Σ dy_j − x̂_i · Σ dy_j · x̂_j)
    scale = (gamma * invstd / m).reshape(shape)
    grad_input = scale * (m * dy - grad_bias.reshape(shape)
                          - x_hat * grad_weight.reshape(shape))
    return (grad_input.astype(input.dtype, copy=False),
            grad_weight.astype(param_dtype, copy=False),
            grad_bias.astype(param_dtype, copy=False))
# --8<-- [end:batch_norm_backward]


# --8<-- [start:module]
class _BatchNorm:
    """What ``BatchNorm1d``, ``2d`` and ``3d`` share: torch's ``_BatchNorm``."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, *, bias=True, dtype=np.float32):
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum                     # None: cumulative average
        self.affine = affine
        self.track_running_stats = track_running_stats
        self.training = True
        # γ = 1, β = 0: the layer starts as a plain standardisation
        self.weight = np.ones(num_features, dtype) if affine else None
        self.bias = np.zeros(num_features, dtype) if affine and bias else None
        self.grad_weight = self.grad_bias = None
        if track_running_stats:
            self.running_mean = np.zeros(num_features, dtype)
            self.running_var = np.ones(num_features, dtype)
            self.num_batches_tracked = 0             # torch: a 0-d int64 tensor
        else:
            self.running_mean = self.running_var = self.num_batches_tracked = None

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean[:] = 0
            self.running_var[:] = 1
            self.num_batches_tracked = 0

    def train(self, mode=True):
        self.training = mode
        return self

    def eval(self):
        return self.train(False)

    def __call__(self, input):
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked += 1
            if self.momentum is None:
                # cumulative average: step t weighs the new batch by 1/t
                factor = 1.0 / self.num_batches_tracked
        # batch statistics when training, and in eval when there are no buffers
        batch_stats = self.training or self.running_mean is None
        # buffers are read in eval; in training they move only when tracked
        buffers = not self.training or self.track_running_stats
        self._saved = (input, batch_stats)
        return batch_norm(input,
                          self.running_mean if buffers else None,
                          self.running_var if buffers else None,
                          self.weight, self.bias, batch_stats, factor, self.eps)

    def backward(self, grad_output):
        """Return ∂L/∂input for the last call; set ``grad_weight``, ``grad_bias``."""
        input, batch_stats = self._saved
        if batch_stats:
            grad_input, grad_weight, grad_bias = batch_norm_backward(
                grad_output, input, self.weight, self.eps)
        else:
            # eval: y = γ (x − running_mean) / √(running_var + ε) + β is affine in x
            grad_input, grad_weight, grad_bias = _eval_backward(
                grad_output, input, self.running_mean, self.running_var,
                self.weight, self.eps)
        self.grad_weight = grad_weight if self.weight is not None else None
        self.grad_bias = grad_bias if self.bias is not None else None
        return grad_input

    def __repr__(self):
        return (f"{type(self).__name__}({self.num_features}, eps={self.eps}, "
                f"momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats})")
# --8<-- [end:module]


def _eval_backward(grad_output, input, running_mean, running_var, weight, eps):
    """Gradients of eval-mode ``batch_norm``, where μ and σ are constants."""
    axes = (0,) + tuple(range(2, input.ndim))
    shape = (1, -1) + (1,) * (input.ndim - 2)
    x = input.astype(np.promote_types(input.dtype, np.float32), copy=False)
    dy = grad_output.astype(x.dtype, copy=False)
    invstd = 1 / np.sqrt(running_var.astype(x.dtype) + eps)
    x_hat = (x - running_mean.reshape(shape)) * invstd.reshape(shape)
    gamma = np.ones_like(invstd) if weight is None else weight
    grad_input = dy * (gamma * invstd).reshape(shape)
    grad_weight = (dy * x_hat).sum(axis=axes)
    grad_bias = dy.sum(axis=axes)
    param_dtype = input.dtype if weight is None else weight.dtype
    return (grad_input.astype(input.dtype, copy=False),
            grad_weight.astype(param_dtype, copy=False),
            grad_bias.astype(param_dtype, copy=False))


# --8<-- [start:subclasses]
class BatchNorm1d(_BatchNorm):
    """Input (N, C) or (N, C, L)."""

    def _check_input_dim(self, input):
        if input.ndim not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.ndim}D input)")


class BatchNorm2d(_BatchNorm):
    """Input (N, C, H, W)."""

    def _check_input_dim(self, input):
        if input.ndim != 4:
            raise ValueError(f"expected 4D input (got {input.ndim}D input)")


class BatchNorm3d(_BatchNorm):
    """Input (N, C, D, H, W)."""

    def _check_input_dim(self, input):
        if input.ndim != 5:
            raise ValueError(f"expected 5D input (got {input.ndim}D input)")
# --8<-- [end:subclasses]
