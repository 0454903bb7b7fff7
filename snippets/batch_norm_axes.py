"""Which axes Batch Normalization reduces, how many values share one statistic, and the
shapes of its parameters and buffers, for every input layout torch accepts.

BatchNorm1d takes (N, C) or (N, C, L), BatchNorm2d (N, C, H, W), BatchNorm3d
(N, C, D, H, W): the channel axis is always 1 and every other axis is reduced.
``tests/test_batch_norm_axes.py`` reads the same facts off torch 2.13: the output,
the count m hidden in the unbiased ``running_var``, and the modules' tensors.
"""

from __future__ import annotations

import math

import numpy as np

# --8<-- [start:reduced_axes]
LAYOUTS = {2: "NC", 3: "NCL", 4: "NCHW", 5: "NCDHW"}   # input rank -> axis names


def reduced_axes(ndim):
    """The axes one mean and variance are taken over: all but the channel axis 1."""
    return (0,) + tuple(range(2, ndim))


def values_per_channel(shape):
    """m = N (NC), N·L (NCL), N·H·W (NCHW), N·D·H·W (NCDHW)."""
    return math.prod(shape) // shape[1]


def batch_statistics(x):
    """Per-channel batch mean and biased variance of ``x`` (N, C, *): shapes (C,)."""
    axes = reduced_axes(x.ndim)
    mean = x.mean(axis=axes)
    var = x.var(axis=axes)                           # divides by m
    return mean, var
# --8<-- [end:reduced_axes]


# --8<-- [start:shapes]
def parameter_shapes(num_features, affine=True, track_running_stats=True):
    """Shapes of a BatchNorm module's tensors: one number per channel C."""
    shapes = {}
    if affine:
        shapes["weight"] = shapes["bias"] = (num_features,)           # γ, β
    if track_running_stats:
        shapes["running_mean"] = shapes["running_var"] = (num_features,)
        shapes["num_batches_tracked"] = ()                            # one counter
    return shapes
# --8<-- [end:shapes]


# --8<-- [start:as_matrix]
def as_matrix(x):
    """(N, C, *) -> (m, C): every position of every sample becomes a row.

    BatchNorm2d on x is BatchNorm1d on this matrix: a feature map's pixels are
    "samples" of their channel (Ioffe & Szegedy 2015, section 3.2).
    """
    return np.moveaxis(x, 1, -1).reshape(-1, x.shape[1])


def from_matrix(rows, shape):
    """The inverse of ``as_matrix`` for an input of ``shape``."""
    channels_last = (shape[0],) + tuple(shape[2:]) + (shape[1],)
    return np.moveaxis(rows.reshape(channels_last), -1, 1)
# --8<-- [end:as_matrix]
