"""Scale invariance of Batch Normalization: what it does to a layer's weights and their
gradients.

A Linear (or Conv) layer followed by training-mode BN: y = BN(x Wᵀ). Scaling W by
a > 0 scales every pre-activation by a, and BN divides it out. Exactly:

* BN_ε(a z) = BN_{ε/a²}(z): with ε = 0 the output does not change at all;
* ∂L/∂W at a·W is (1/a) · ∂L/∂W at W (ε rescaled the same way);
* with ε = 0 each row of ∂L/∂W is orthogonal to that row of W, so an SGD step can only
  grow ‖w‖: ‖w − η g‖² = ‖w‖² + η²‖g‖², and the effective step on the direction
  w/‖w‖ shrinks like η/‖w‖² (Arora, Li & Lyu 2018, arXiv:1812.03981).

``tests/test_scale_invariance.py`` checks each against torch 2.13 autograd.
"""

from __future__ import annotations

import numpy as np

from snippets.batch_norm import batch_norm, batch_norm_backward


# --8<-- [start:linear_bn]
def linear_bn(x, weight, gamma, beta, eps=1e-5):
    """y = BN(x Wᵀ): a Linear layer without bias, then training-mode BN.

    x: (N, in), weight: (out, in), gamma, beta: (out,).
    """
    return batch_norm(x @ weight.T, None, None, gamma, beta, training=True, eps=eps)


def linear_bn_weight_grad(x, weight, grad_output, gamma, eps=1e-5):
    """∂L/∂W for ``linear_bn``: BN's closed-form backward, then z = x Wᵀ."""
    grad_z, _, _ = batch_norm_backward(grad_output, x @ weight.T, gamma, eps)
    return grad_z.T @ x
# --8<-- [end:linear_bn]


# --8<-- [start:rescaled_eps]
def rescaled_eps(eps, a):
    """BN_ε(a·z) = BN_{ε/a²}(z): scaling the input by a is dividing ε by a²."""
    return eps / a**2
# --8<-- [end:rescaled_eps]


# --8<-- [start:weight_norm]
def radial_component(weight, grad):
    """Per output unit: ⟨w, ∂L/∂w⟩ / ‖w‖, the part of the gradient along w itself.

    Zero when ε = 0: the loss cannot change along w, since y does not.
    """
    return (weight * grad).sum(axis=1) / np.linalg.norm(weight, axis=1)


def norm_after_sgd_step(weight, grad, lr):
    """‖w − η g‖ per row; equals √(‖w‖² + η²‖g‖²) when g ⟂ w."""
    return np.linalg.norm(weight - lr * grad, axis=1)
# --8<-- [end:weight_norm]
