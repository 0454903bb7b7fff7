"""ReLU, its gradient, and what it does to the output of a BN layer.

If BN's output is z ~ N(β, γ²) (a standardised input, scaled and shifted), the
rectified Gaussian ReLU(z) has closed-form moments: the share of active units is
Φ(β/γ), and the output is no longer zero-mean. ``tests/test_activations.py`` checks
the functions against torch 2.13 (autograd, and a quadrature of torch's Normal).
"""

from __future__ import annotations

import math

import numpy as np


# --8<-- [start:relu]
def relu(x):
    """max(0, x)."""
    return np.maximum(x, 0)


def relu_backward(grad_output, x):
    """∂L/∂x = ∂L/∂y · 1[x > 0]: torch takes the derivative at 0 to be 0."""
    return grad_output * (x > 0)
# --8<-- [end:relu]


# --8<-- [start:rectified_gaussian]
def _pdf(t):
    return np.exp(-0.5 * t * t) / math.sqrt(2 * math.pi)      # φ


def _cdf(t):
    return 0.5 * (1 + np.vectorize(math.erf)(t / math.sqrt(2)))  # Φ


def relu_of_gaussian(beta, gamma):
    """For z ~ N(β, γ²): (P(z > 0), E[ReLU(z)], Var[ReLU(z)]), with t = β/γ.

    P = Φ(t);  E = β Φ(t) + γ φ(t);  E[ReLU(z)²] = (β² + γ²) Φ(t) + β γ φ(t).
    β = 0: half the units are active, the mean is γ/√(2π), not 0.
    """
    t = np.asarray(beta / gamma, dtype=float)
    active = _cdf(t)
    mean = beta * active + gamma * _pdf(t)
    second = (beta**2 + gamma**2) * active + beta * gamma * _pdf(t)
    return active, mean, second - mean**2
# --8<-- [end:rectified_gaussian]
