"""PyTorch and Keras BatchNorm side by side: the same layer, three different numbers.

| | PyTorch ``BatchNorm2d`` | Keras ``BatchNormalization`` |
|---|---|---|
| channel axis | 1 (NCHW) | -1 (NHWC) |
| momentum | 0.1, weight of the *new* batch | 0.99, weight of the *old* average |
| eps | 1e-5 | 1e-3 (``epsilon``) |
| moving variance | unbiased, m/(m − 1) · σ²_B | biased, σ²_B |

Keras is mirrored from its source (keras 3, ``BatchNormalization.call``): no
TensorFlow is needed; ``tests/test_frameworks.py`` runs it beside torch.
"""

from __future__ import annotations

import numpy as np

from snippets.tf_nn import batch_normalization, moments

# --8<-- [start:defaults]
TORCH_DEFAULTS = dict(momentum=0.1, eps=1e-5)
KERAS_DEFAULTS = dict(momentum=0.99, epsilon=1e-3)
# --8<-- [end:defaults]


# --8<-- [start:config]
def keras_to_torch_bn_config(momentum=0.99, epsilon=1e-3):
    """torch BatchNorm keyword arguments that average and normalise like Keras.

    Keras: moving ← momentum · moving + (1 − momentum) · batch
    torch: running ← (1 − momentum) · running + momentum · batch
    """
    # round: 1 − 0.99 is 0.010000000000000009 in binary
    return dict(momentum=round(1 - momentum, 15), eps=epsilon)


def torch_to_keras_bn_config(momentum=0.1, eps=1e-5):
    """Keras BatchNormalization keyword arguments for a torch BatchNorm."""
    if momentum is None:
        raise ValueError("momentum=None (a cumulative average) has no Keras "
                         "equivalent")
    return dict(momentum=round(1 - momentum, 15), epsilon=eps)
# --8<-- [end:config]


# --8<-- [start:variance]
def biased_to_unbiased(variance, m):
    """Keras's moving_variance scale → torch's running_var scale, for batches of m."""
    # torch tracks m/(m − 1) · σ²_B where Keras tracks σ²_B
    return variance * m / (m - 1)


def unbiased_to_biased(variance, m):
    """torch's running_var scale → Keras's moving_variance scale."""
    return variance * (m - 1) / m
# --8<-- [end:variance]


# --8<-- [start:keras_batch_norm]
def keras_batch_norm(inputs, moving_mean, moving_variance, gamma=None, beta=None,
                     training=False, momentum=0.99, epsilon=1e-3):
    """Keras ``BatchNormalization(axis=-1)``: channel last; in training the batch's
    moments normalise and ``moving_mean``/``moving_variance`` move in place."""
    axes = list(range(inputs.ndim - 1))             # all axes but the channel's
    if training:
        # tf.nn.moments: the biased variance σ²_B
        mean, variance = moments(inputs, axes)
        # moving ← momentum · moving + (1 − momentum) · batch
        moving_mean[:] = moving_mean * momentum + mean * (1 - momentum)
        moving_variance[:] = moving_variance * momentum + variance * (1 - momentum)
    else:
        mean, variance = moving_mean, moving_variance
    return batch_normalization(inputs, mean, variance, beta, gamma, epsilon)
# --8<-- [end:keras_batch_norm]
