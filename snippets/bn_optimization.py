"""Santurkar, Tsipras, Ilyas & Madry 2018, "How Does Batch Normalization Help
Optimization?", arXiv:1805.11604: their measure of internal covariate shift and the
gradient identity behind their Theorem 4.1.

* ``gradient_ics`` (their Definition 2.1): how much the gradient of layer i changes
  when the layers before it take their SGD step first. It needs a network, so it is
  written for a torch ``nn.Sequential``; ``tests/test_bn_optimization.py`` checks it
  against the closed-form gradients of a two-layer linear network in NumPy.
* ``bn_grad_norm_squared``: with ε = 0, ‖∂L/∂y‖² for the input y of a BN layer is
  γ²/σ² (‖g‖² − ⟨1, g⟩²/m − ⟨g, ŷ⟩²/m), where g is the gradient at BN's output and
  ŷ the standardised input: the mean and the ŷ-component of g are removed, so the
  norm can only drop before the γ/σ scaling. Checked against torch autograd.
"""

from __future__ import annotations

import numpy as np
import torch


# --8<-- [start:gradient_ics]
def gradient_ics(model, loss_fn, x, y, lr, layer):
    """Internal covariate shift of ``model[layer]`` by Santurkar et al.'s Definition 2.1.

    G  = ∂L/∂W_layer with every parameter at step t;
    G' = the same after the layers before it took their SGD step (lr).
    Returns (‖G − G'‖₂, cos(G, G')). ``model`` is an ``nn.Sequential``.
    """
    params = dict(model.named_parameters())
    grads = dict(zip(params, torch.autograd.grad(loss_fn(model(x), y), list(params.values()))))
    own = [name for name in params if int(name.split(".")[0]) == layer]
    # W_j ← W_j − lr · ∂L/∂W_j for the layers j < layer; the rest stay at step t
    moved = {name: p - lr * grads[name] if int(name.split(".")[0]) < layer else p
             for name, p in params.items()}
    out = torch.func.functional_call(model, moved, (x,))
    after = torch.autograd.grad(loss_fn(out, y), [moved[name] for name in own])
    g = torch.cat([grads[name].flatten() for name in own])
    g_after = torch.cat([a.flatten() for a in after])
    cosine = torch.dot(g, g_after) / (g.norm() * g_after.norm())
    return (g - g_after).norm().item(), cosine.item()
# --8<-- [end:gradient_ics]


# --8<-- [start:grad_norm]
def bn_grad_norm_squared(grad_output, x, gamma):
    """‖∂L/∂x‖² per channel for training-mode BN with ε = 0, from g = ∂L/∂y.

    x, grad_output: (m, C). = γ²/σ² · (‖g‖² − ⟨1, g⟩²/m − ⟨g, x̂⟩²/m): g loses its
    mean and its x̂-component (an orthogonal projection, since ‖x̂‖² = m).
    """
    m = x.shape[0]
    var = x.var(axis=0)                                   # σ², biased
    x_hat = (x - x.mean(axis=0)) / np.sqrt(var)
    g = grad_output
    projected = (g**2).sum(0) - g.sum(0) ** 2 / m - (g * x_hat).sum(0) ** 2 / m
    return gamma**2 / var * projected
# --8<-- [end:grad_norm]
