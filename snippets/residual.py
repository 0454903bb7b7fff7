"""Residual units in NumPy, in the five orders of BN, ReLU and the addition that He et al.
compare (Identity Mappings in Deep Residual Networks, 2016, arXiv:1603.05027, Fig. 4).

A unit computes y = f(x + F(x)): the residual branch F is a sequence of layers, and f
what follows the addition. Fully connected layers stand in for the 3×3 convolutions
(a "weight" is a (C, C) matrix, BN is BatchNorm1d in training mode); the order of the
operations is the point. ``tests/test_residual.py`` checks each unit against the same
unit written with torch.nn, and the identity path of pre-activation units with
autograd. kb/figures/residual_units.py draws the figure from ``UNITS``.
"""

from __future__ import annotations

import numpy as np

from snippets.activations import relu
from snippets.batch_norm import batch_norm

# --8<-- [start:units]
# (the residual branch, what follows the addition), each bottom to top as in Fig. 4
UNITS = {
    "(a) original": (["weight", "BN", "ReLU", "weight", "BN"], ["ReLU"]),
    "(b) BN after addition": (["weight", "BN", "ReLU", "weight"], ["BN", "ReLU"]),
    "(c) ReLU before addition": (["weight", "BN", "ReLU", "weight", "BN", "ReLU"], []),
    "(d) ReLU-only pre-activation": (["ReLU", "weight", "BN", "ReLU", "weight", "BN"], []),
    "(e) full pre-activation": (["BN", "ReLU", "weight", "BN", "ReLU", "weight"], []),
}


def residual_unit(x, unit, weights, bns, eps=1e-5):
    """One unit of ``UNITS`` on x (N, C). weights: the branch's (C, C) matrices in
    order; bns: (γ, β) of each BN in order, the branch's first."""
    branch, after = UNITS[unit]
    weights, bns = iter(weights), iter(bns)

    def apply(layer, h):
        if layer == "weight":
            return h @ next(weights).T                # a Linear layer without bias
        if layer == "BN":
            gamma, beta = next(bns)
            return batch_norm(h, None, None, gamma, beta, training=True, eps=eps)
        return relu(h)

    h = x
    for layer in branch:
        h = apply(layer, h)
    y = x + h                                         # the identity shortcut
    for layer in after:
        y = apply(layer, y)
    return y
# --8<-- [end:units]
