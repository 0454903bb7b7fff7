"""Weight decay on a scale-invariant weight: the weights of a layer followed by BN.

BN makes the loss invariant to the scale of each row w of W (``snippets/scale_invariance.py``):
with ε = 0 the gradient g is orthogonal to w and shrinks like 1/‖w‖. One step of SGD with
weight decay λ (no momentum), w ← (1 − ηλ) w − η g, therefore

* turns w by an angle θ with tan θ = η‖g‖ / ((1 − ηλ)‖w‖) = η‖g̃‖ / ((1 − ηλ)‖w‖²), where
  g̃ = ‖w‖ g is the gradient at the unit vector w/‖w‖: the direction moves with the
  effective learning rate η/‖w‖² (van Laarhoven 2017, arXiv:1706.05350);
* changes the norm as ‖w'‖² = (1 − ηλ)²‖w‖² + η²‖g̃‖²/‖w‖²: decay shrinks a long w,
  the gradient lengthens a short one. With ‖g̃‖ = G held constant the two balance at
  ‖w*‖⁴ = η²G² / (1 − (1 − ηλ)²), where cos θ* = 1 − ηλ, θ* ≈ √(2ηλ): the angle per
  step no longer depends on η and λ separately, nor on G.

``tests/test_weight_decay.py`` checks the step against ``torch.optim.SGD`` and the angle
against torch autograd; the equilibrium against the recursion it solves.
"""

from __future__ import annotations

import numpy as np


# --8<-- [start:angular_update]
def sgd_step(weight, grad, lr, weight_decay):
    """w − η (g + λ w): ``torch.optim.SGD(lr=η, weight_decay=λ)`` without momentum."""
    return weight - lr * (grad + weight_decay * weight)


def angular_update(before, after):
    """The angle (radians) between each row of ``before`` and the same row of ``after``."""
    cos = (before * after).sum(axis=1) / (np.linalg.norm(before, axis=1) * np.linalg.norm(after, axis=1))
    return np.arccos(np.clip(cos, -1.0, 1.0))


def predicted_angular_update(weight, grad, lr, weight_decay):
    """arctan(η‖g‖ / ((1 − ηλ)‖w‖)) per row: exact when every row of g is orthogonal to w."""
    return np.arctan(lr * np.linalg.norm(grad, axis=1)
                     / ((1 - lr * weight_decay) * np.linalg.norm(weight, axis=1)))


def effective_learning_rate(weight, lr):
    """η / ‖w‖² per row: the step size of the direction w/‖w‖ for a unit-norm gradient."""
    return lr / np.linalg.norm(weight, axis=1) ** 2
# --8<-- [end:angular_update]


# --8<-- [start:equilibrium]
def next_norm(norm, unit_grad_norm, lr, weight_decay):
    """‖w'‖ from ‖w‖ for g ⟂ w with ‖g‖ = ‖g̃‖/‖w‖: (1 − ηλ)²‖w‖² + η²‖g̃‖²/‖w‖²."""
    return np.sqrt((1 - lr * weight_decay) ** 2 * norm**2 + (lr * unit_grad_norm / norm) ** 2)


def equilibrium_norm(unit_grad_norm, lr, weight_decay):
    """The fixed point of ``next_norm``: ‖w*‖⁴ = η²‖g̃‖² / (1 − (1 − ηλ)²)."""
    return (lr * unit_grad_norm) ** 0.5 / (1 - (1 - lr * weight_decay) ** 2) ** 0.25


def equilibrium_angular_update(lr, weight_decay):
    """The angle per step at ‖w*‖: arccos(1 − ηλ) ≈ √(2ηλ) for small ηλ."""
    return np.arccos(1 - lr * weight_decay)
# --8<-- [end:equilibrium]


# --8<-- [start:param_groups]
def decay_and_no_decay_groups(module, weight_decay):
    """Two parameter groups for torch.optim: weight decay on matrices and kernels only.

    Vectors (biases, and the γ, β of BatchNorm / LayerNorm / GroupNorm) get no decay:
    the rule of timm's ``param_groups_weight_decay`` (``ndim <= 1`` or a ``.bias``).
    """
    decay, no_decay = [], []
    for name, param in module.named_parameters():
        if param.requires_grad:
            (no_decay if param.ndim <= 1 or name.endswith(".bias") else decay).append(param)
    return [{"params": decay, "weight_decay": weight_decay},
            {"params": no_decay, "weight_decay": 0.0}]
# --8<-- [end:param_groups]
