"""The two TensorFlow calls the note quotes, in NumPy.

``batch_mean, batch_var = tf.nn.moments(data, [0])`` and
``tf.nn.batch_normalization(data, mean, variance, offset, scale, variance_epsilon)``.
TensorFlow keeps the channel last (NHWC), so ``axes`` names every axis but the
channel's; ``tests/test_tf_nn.py`` shows the result equals torch's ``batch_norm``.
"""

from __future__ import annotations

import numpy as np


# --8<-- [start:moments]
def moments(x, axes, keepdims=False):
    """Mean and *biased* variance of ``x`` over ``axes``, like ``tf.nn.moments``."""
    axes = tuple(axes)
    # float16 is reduced in float32, as TensorFlow does
    y = x.astype(np.float32) if x.dtype == np.float16 else x
    mean = y.mean(axis=axes, keepdims=True)
    # Var = (1/m) Σ (x_i − μ)²   (divides by m, not m − 1)
    variance = ((y - mean) ** 2).mean(axis=axes, keepdims=True)
    if not keepdims:
        mean, variance = mean.squeeze(axes), variance.squeeze(axes)
    return mean.astype(x.dtype, copy=False), variance.astype(x.dtype, copy=False)
# --8<-- [end:moments]


# --8<-- [start:batch_normalization]
def batch_normalization(x, mean, variance, offset, scale, variance_epsilon):
    """``scale · (x − mean) / √(variance + ε) + offset``; offset, scale may be None."""
    # inv = γ / √(σ² + ε)
    inv = 1 / np.sqrt(variance + variance_epsilon)
    if scale is not None:
        inv = inv * scale
    # y = x · inv + (β − μ · inv): one multiply and one add per element, TF's order
    shift = offset - mean * inv if offset is not None else -mean * inv
    return x * inv.astype(x.dtype) + shift.astype(x.dtype)
# --8<-- [end:batch_normalization]
