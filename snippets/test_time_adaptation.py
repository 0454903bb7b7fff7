"""Test-time adaptation through BN: new statistics, and TENT's step on γ, β.

* AdaBN (Li et al. 2016, arXiv:1603.04779): normalise target-domain data with
  statistics computed on the target domain instead of the source's (re-estimated as
  ``snippets.norm_practice.precise_bn_statistics`` does).
* Schneider et al. 2020 (arXiv:2006.16971): mix the two, the source statistics
  weighted as N pseudo-samples against the n target samples.
* TENT (Wang et al. 2020, arXiv:2006.10726): normalise with the test batch's own
  statistics and take gradient steps on BN's γ, β that lower the entropy of the
  predictions.

``tests/test_time_adaptation_bn.py`` checks each against ``nn.BatchNorm1d`` and autograd.
"""

from __future__ import annotations

import numpy as np

from snippets.batch_norm import batch_norm


# --8<-- [start:mix_statistics]
def mix_statistics(source_mean, source_var, target_mean, target_var, n, prior_n):
    """Schneider et al.: (N·source + n·target) / (N + n), N = prior_n pseudo-samples.

    N = 0 is AdaBN (target statistics only); N → ∞ keeps the source statistics. In torch
    it is one training-mode pass over the n target samples with momentum = n / (N + n)
    (torch's running_var takes the unbiased target variance).
    """
    w = n / (prior_n + n)
    return (1 - w) * source_mean + w * target_mean, (1 - w) * source_var + w * target_var
# --8<-- [end:mix_statistics]


# --8<-- [start:tent]
def log_softmax(logits):
    """log p per row, p = softmax(logits); the max is subtracted so that exp cannot overflow."""
    z = logits - logits.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def softmax_entropy(logits):
    """−Σ_c p_c log p_c per row, p = softmax(logits), in nats."""
    log_p = log_softmax(logits)
    return -(np.exp(log_p) * log_p).sum(axis=1)


def tent_step(x, gamma, beta, head_weight, head_bias, lr, eps=1e-5):
    """One SGD step on γ, β of BN (training mode: the batch's own statistics) followed by
    a fixed linear head, on the mean prediction entropy. Returns the new γ, β and the
    entropy before the step. x: (N, C).

    ∂H/∂z_j = −p_j (log p_j + H) for one row of logits z; then ∂/∂y = (∂/∂z) W,
    ∂/∂γ = Σ_n ∂/∂y ⊙ x̂ and ∂/∂β = Σ_n ∂/∂y (x̂ does not depend on γ, β).
    """
    x_hat = batch_norm(x, None, None, training=True, eps=eps)
    logits = (gamma * x_hat + beta) @ head_weight.T + head_bias
    log_p = log_softmax(logits)
    h = softmax_entropy(logits)[:, None]
    grad_logits = -np.exp(log_p) * (log_p + h) / len(x)          # of the mean entropy over the batch
    grad_y = grad_logits @ head_weight
    grad_gamma, grad_beta = (grad_y * x_hat).sum(axis=0), grad_y.sum(axis=0)
    return gamma - lr * grad_gamma, beta - lr * grad_beta, h.mean()
# --8<-- [end:tent]
