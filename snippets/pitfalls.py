"""BatchNorm pitfalls that a few lines of code can prove, and two small-batch fixes.

* a batch of one image: BatchNorm becomes InstanceNorm (of one vector: an error)
* forgetting ``eval()``: a sample's prediction depends on the rest of its batch
* freezing BatchNorm for fine-tuning: ``requires_grad_(False)`` is not enough
* dropout before BatchNorm: the variance shift (Li et al. 2019, arXiv:1801.05134)
* Ghost BatchNorm (Hoffer et al. 2017, arXiv:1705.08741)
* Batch Renormalization (Ioffe 2017, arXiv:1702.03275)

``tests/test_pitfalls.py`` proves each claim against torch 2.13.
"""

from __future__ import annotations

import numpy as np
import torch

from snippets.batch_norm import batch_norm
from snippets.norms import instance_norm


# --8<-- [start:batch_of_one]
def batch_of_one_image(image, eps=1e-5):
    """Training-mode BatchNorm2d and InstanceNorm2d of a (1, C, H, W) batch: equal.

    With N = 1 the per-channel batch statistics are one image's statistics.
    """
    return (batch_norm(image, None, None, training=True, eps=eps),
            instance_norm(image, eps=eps))
# --8<-- [end:batch_of_one]


# --8<-- [start:forgetting_eval]
def prediction_in_batches(bn, sample, companions):
    """``bn``'s output for ``sample`` when batched with each of ``companions``.

    In training mode the answers differ (the batch statistics change); after
    ``bn.eval()`` they are all the same.
    """
    outputs = []
    for others in companions:
        batch = np.concatenate([sample[None], others])
        outputs.append(bn(batch)[0])
    return outputs
# --8<-- [end:forgetting_eval]


# --8<-- [start:freeze]
def freeze_batch_norm(model):
    """Freeze every BatchNorm of a torch ``model`` for fine-tuning.

    ``requires_grad_(False)`` stops γ and β; only ``eval()`` stops the running
    statistics. ``model.train()`` puts BatchNorm back in training mode: call this
    again after it.
    """
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.eval()
            for param in module.parameters():
                param.requires_grad_(False)
    return model
# --8<-- [end:freeze]


# --8<-- [start:dropout_variance_shift]
def dropout_variance_shift(x, p):
    """Per-feature variance of ``dropout(x, p)`` in training and in eval.

    Training: y = x · z / (1 − p), z ~ Bernoulli(1 − p), so E[y] = E[x] and
    E[y²] = E[x²] / (1 − p). Eval: y = x. A BatchNorm after the dropout collects
    the first and is used with the second.
    """
    mean = x.mean(axis=0)
    # Var_train = E[x²] / (1 − p) − E[x]²
    train_var = (x**2).mean(axis=0) / (1 - p) - mean**2
    # Var_eval = E[x²] − E[x]²
    eval_var = x.var(axis=0)
    return train_var, eval_var
# --8<-- [end:dropout_variance_shift]


# --8<-- [start:ghost_batch_norm]
def ghost_batch_norm(input, virtual_batch_size, running_mean=None, running_var=None,
                     weight=None, bias=None, momentum=0.1, eps=1e-5):
    """Training-mode BatchNorm applied to each "ghost" batch of
    ``virtual_batch_size`` samples; the buffers move once per ghost batch."""
    outputs = []
    for start in range(0, input.shape[0], virtual_batch_size):
        chunk = input[start:start + virtual_batch_size]
        outputs.append(batch_norm(chunk, running_mean, running_var, weight, bias,
                                  training=True, momentum=momentum, eps=eps))
    return np.concatenate(outputs)
# --8<-- [end:ghost_batch_norm]


# --8<-- [start:batch_renorm]
def batch_renorm(input, running_mean, running_std, weight=None, bias=None,
                 training=True, r_max=3.0, d_max=5.0, momentum=0.1, eps=1e-5):
    """Batch Renormalization forward (Algorithm 1 of arXiv:1702.03275).

    running_std is σ, the moving average of σ_B (not a variance). In training, r
    and d correct the batch statistics toward the moving ones, within the clips;
    they are constants for the gradient (stop_gradient). Updates the buffers.
    """
    axes = (0,) + tuple(range(2, input.ndim))
    shape = (1, -1) + (1,) * (input.ndim - 2)
    mu, sigma = running_mean.reshape(shape), running_std.reshape(shape)
    if not training:
        # inference: y = γ (x − μ) / σ + β
        x_hat = (input - mu) / sigma
    else:
        mean = input.mean(axis=axes, keepdims=True)
        # σ_B = √(ε + (1/m) Σ (x_i − μ_B)²)
        std = np.sqrt(((input - mean) ** 2).mean(axis=axes, keepdims=True) + eps)
        # r = clip(σ_B / σ, 1/r_max, r_max),  d = clip((μ_B − μ) / σ, −d_max, d_max)
        r = np.clip(std / sigma, 1 / r_max, r_max)
        d = np.clip((mean - mu) / sigma, -d_max, d_max)
        # x̂ = (x − μ_B) / σ_B · r + d
        x_hat = (input - mean) / std * r + d
        # μ ← μ + momentum · (μ_B − μ),  σ ← σ + momentum · (σ_B − σ)
        running_mean += momentum * (mean.reshape(-1) - running_mean)
        running_std += momentum * (std.reshape(-1) - running_std)
    # y = γ x̂ + β
    y = x_hat
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y
# --8<-- [end:batch_renorm]


# --8<-- [start:batch_renorm_backward]
def batch_renorm_backward(grad_output, input, running_mean, running_std, weight=None,
                          r_max=3.0, d_max=5.0, eps=1e-5):
    """Gradients of training-mode ``batch_renorm`` with r and d held constant (the
    paper's stop_gradient): ``(grad_input, grad_weight, grad_bias)``.

    x̂ = r · ẑ + d with ẑ = (x − μ_B) / σ_B, so the input gradient is BatchNorm's
    closed form with γ replaced by γ · r.
    """
    axes = (0,) + tuple(range(2, input.ndim))
    shape = (1, -1) + (1,) * (input.ndim - 2)
    m = input.size // input.shape[1]
    mean = input.mean(axis=axes, keepdims=True)
    std = np.sqrt(((input - mean) ** 2).mean(axis=axes, keepdims=True) + eps)
    z = (input - mean) / std
    r = np.clip(std / running_std.reshape(shape), 1 / r_max, r_max)
    d = np.clip((mean - running_mean.reshape(shape)) / running_std.reshape(shape),
                -d_max, d_max)
    # ∂L/∂β = Σ g,  ∂L/∂γ = Σ g · x̂   with x̂ = r ẑ + d
    grad_bias = grad_output.sum(axis=axes)
    grad_weight = (grad_output * (r * z + d)).sum(axis=axes)
    gamma = 1.0 if weight is None else weight.reshape(shape)
    # ∂L/∂x_i = γ r / (m σ_B) · (m g_i − Σ g_j − ẑ_i Σ g_j ẑ_j)
    grad_input = gamma * r / (m * std) * (
        m * grad_output - grad_output.sum(axis=axes, keepdims=True)
        - z * (grad_output * z).sum(axis=axes, keepdims=True))
    return grad_input, grad_weight, grad_bias
# --8<-- [end:batch_renorm_backward]
