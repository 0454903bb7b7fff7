"""Normalising the weights instead of the activations.

* Weight Normalization (Salimans & Kingma 2016, arXiv:1602.07868): w = g · v / ‖v‖,
  the length g learned apart from the direction v; one norm per output unit.
* Weight Standardization (Qiao et al. 2019, arXiv:1903.10520): each output channel's
  weights standardised to mean 0 and variance 1 before the convolution; with
  GroupNorm on the activations it trains with one or two images per GPU.

``tests/test_weight_reparam.py`` checks both against torch 2.13:
``nn.utils.parametrizations.weight_norm`` (its values and autograd's gradients) and,
for WS, ``F.layer_norm`` over each filter.
"""

from __future__ import annotations

import numpy as np


# --8<-- [start:weight_norm]
def norm_except_dim(v, dim):
    """‖v‖ over every axis but ``dim`` (kept, size 1 elsewhere), as ``torch.norm_except_dim(v, 2, dim)``;
    dim=None: over all of v."""
    if dim is None:
        return np.sqrt((v**2).sum())
    axes = tuple(a for a in range(v.ndim) if a != dim)
    return np.sqrt((v**2).sum(axis=axes, keepdims=True))


def weight_norm(v, g, dim=0):
    """w = g · v / ‖v‖, as ``torch._weight_norm(v, g, dim)``.

    g has the shape of ``norm_except_dim(v, dim)``: (out, 1, ...) for dim=0, a scalar for
    dim=None. The parametrization's ``original0`` is g, ``original1`` is v.
    """
    return g * v / norm_except_dim(v, dim)


def weight_norm_grads(v, g, grad_w, dim=0):
    """∂L/∂g and ∂L/∂v from ∂L/∂w (Salimans & Kingma, eq. 3):

    ∇_g L = ⟨∇_w L, v⟩ / ‖v‖,   ∇_v L = (g/‖v‖) ∇_w L − (g ∇_g L / ‖v‖²) v.
    The second is (g/‖v‖) times ∇_w L with its component along w removed, so ⟨∇_v L, v⟩ = 0.
    """
    norm = norm_except_dim(v, dim)
    axes = None if dim is None else tuple(a for a in range(v.ndim) if a != dim)
    grad_g = (grad_w * v).sum(axis=axes, keepdims=dim is not None) / norm
    grad_v = g / norm * grad_w - g * grad_g / norm**2 * v
    return grad_g, grad_v
# --8<-- [end:weight_norm]


# --8<-- [start:weight_standardization]
def weight_standardize(weight, eps=1e-5):
    """Ŵ = (W − μ) / √(σ² + ε), μ and σ² over each output channel's in·kh·kw weights.

    weight: (out, in, *kernel). It is F.layer_norm(W, W.shape[1:]) without γ, β.
    """
    axes = tuple(range(1, weight.ndim))
    mean = weight.mean(axis=axes, keepdims=True)
    var = ((weight - mean) ** 2).mean(axis=axes, keepdims=True)
    return (weight - mean) / np.sqrt(var + eps)
# --8<-- [end:weight_standardization]
