"""LayerNorm, GroupNorm, InstanceNorm and RMSNorm in NumPy, mirrors of
``torch.nn.functional``.

The four differ only in which elements share one mean and variance (see
``REDUCED_AXES``). Each uses two-pass statistics, computes float16 in float32 and
returns the input's dtype, as torch 2.13 does on the CPU; ``tests/test_norms.py``
checks every function against it.

* LayerNorm: Ba, Kiros & Hinton 2016, arXiv:1607.06450
* InstanceNorm: Ulyanov, Vedaldi & Lempitsky 2016, arXiv:1607.08022
* GroupNorm: Wu & He 2018, arXiv:1803.08494
* RMSNorm: Zhang & Sennrich 2019, arXiv:1910.07467
"""

from __future__ import annotations

import math

import numpy as np


# --8<-- [start:reduced_axes]
# Axes of an (N, C, H, W) input that one mean and one variance are taken over,
# as in figure 2 of the GroupNorm paper. "C/G": the C/G channels of one group.
# LayerNorm and RMSNorm as used on images: normalized_shape = (C, H, W).
REDUCED_AXES = {
    "BatchNorm": ("N", "H", "W"),
    "LayerNorm": ("C", "H", "W"),
    "InstanceNorm": ("H", "W"),
    "GroupNorm": ("C/G", "H", "W"),
    "RMSNorm": ("C", "H", "W"),
}


def statistics_mask(norm, shape, index, num_groups=1):
    """Boolean mask over an (N, C, H, W) ``shape``: the elements whose statistics
    normalise ``input[index]`` under ``norm`` (a key of ``REDUCED_AXES``)."""
    reduced = REDUCED_AXES[norm]
    coords = np.indices(shape)                   # coords[a]: each element's index on a
    mask = np.ones(shape, dtype=bool)
    for axis, name in enumerate("NCHW"):
        if name == "C" and "C/G" in reduced:
            # the same group: channel // (C/G) equal
            size = shape[1] // num_groups
            mask &= coords[1] // size == index[1] // size
        elif name not in reduced:
            mask &= coords[axis] == index[axis]
    return mask
# --8<-- [end:reduced_axes]


def _compute_dtype(input, name):
    """float16 is computed in float32, as torch does on the CPU; ints are refused."""
    if not np.issubdtype(input.dtype, np.floating):
        raise NotImplementedError(f'"{name}" not implemented for {input.dtype}')
    return np.promote_types(input.dtype, np.float32)


def _check_param_dtypes(input, **params):
    """Parameters share the input's dtype; float16 input may have float32 ones."""
    allowed = {input.dtype}
    if input.dtype == np.float16:
        allowed.add(np.dtype(np.float32))
    for name, param in params.items():
        if param is not None and param.dtype not in allowed:
            raise RuntimeError(f"mixed dtype (CPU): {name} is {param.dtype}, "
                               f"input is {input.dtype}")


def _check_normalized_shape(func, input, normalized_shape, **params):
    """What ``F.layer_norm`` and ``F.rms_norm`` raise for a bad ``normalized_shape``."""
    if isinstance(normalized_shape, int):
        raise TypeError(f"{func}(): argument 'normalized_shape' (position 2) must "
                        "be tuple of ints, not int")
    shape = list(normalized_shape)
    if not shape:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, "
                           "i.e., containing at least one element, but got "
                           "normalized_shape = []")
    for name, param in params.items():
        if param is not None and list(param.shape) != shape:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got "
                f"{name} of shape {list(param.shape)} and normalized_shape = {shape}")
    if func == "rms_norm" and len(shape) > input.ndim:
        raise ValueError(f"Input tensor must have at least {len(shape)} dimensions, "
                         f"but got {input.ndim}")
    if len(shape) > input.ndim or list(input.shape[input.ndim - len(shape):]) != shape:
        trailing = ", ".join(map(str, shape))
        raise RuntimeError(f"Given normalized_shape={shape}, expected input with "
                           f"shape [*, {trailing}], but got input of size"
                           f"{list(input.shape)}")


# --8<-- [start:layer_norm]
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise each sample over its trailing ``normalized_shape`` axes.

    weight, bias: of shape ``normalized_shape`` (one γ, β per normalised element).
    """
    _check_normalized_shape("layer_norm", input, normalized_shape,
                            weight=weight, bias=bias)
    dtype = _compute_dtype(input, "LayerNormKernelImpl")
    _check_param_dtypes(input, weight=weight, bias=bias)
    if input.size == 0:
        return input.copy()
    x = input.astype(dtype, copy=False)
    axes = tuple(range(input.ndim - len(normalized_shape), input.ndim))
    # μ = (1/H) Σ_i x_i   over the H normalised elements of one sample
    mean = x.mean(axis=axes, keepdims=True)
    # σ² = (1/H) Σ_i (x_i − μ)²
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    # x̂ = (x − μ) / √(σ² + ε)
    x_hat = (x - mean) / np.sqrt(var + eps)
    # y = γ ⊙ x̂ + β   (γ, β broadcast over the leading axes)
    y = x_hat
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y.astype(input.dtype, copy=False)
# --8<-- [end:layer_norm]


# --8<-- [start:layer_norm_backward]
def layer_norm_backward(grad_output, input, normalized_shape, weight=None, eps=1e-5):
    """Gradients of ``layer_norm`` by the closed form: ``(grad_input, grad_weight,
    grad_bias)``. The same formula as BatchNorm's, with the H normalised elements of
    one sample in place of the m values of one channel; γ is per element, so it
    enters the sums.
    """
    axes = tuple(range(input.ndim - len(normalized_shape), input.ndim))
    batch_axes = tuple(range(input.ndim - len(normalized_shape)))
    h = math.prod(normalized_shape)
    mean = input.mean(axis=axes, keepdims=True)
    # 1/σ = 1/√(σ² + ε), one per sample
    invstd = 1 / np.sqrt(((input - mean) ** 2).mean(axis=axes, keepdims=True) + eps)
    x_hat = (input - mean) * invstd
    # ∂L/∂β = Σ_samples g,  ∂L/∂γ = Σ_samples g ⊙ x̂   (one per normalised element)
    grad_bias = grad_output.sum(axis=batch_axes)
    grad_weight = (grad_output * x_hat).sum(axis=batch_axes)
    # ∂L/∂x̂ = g ⊙ γ
    g = grad_output if weight is None else grad_output * weight
    # ∂L/∂x_i = 1/(H σ) · (H ĝ_i − Σ_j ĝ_j − x̂_i Σ_j ĝ_j x̂_j), sums over one sample
    grad_input = invstd / h * (h * g - g.sum(axis=axes, keepdims=True)
                               - x_hat * (g * x_hat).sum(axis=axes, keepdims=True))
    return grad_input, grad_weight, grad_bias
# --8<-- [end:layer_norm_backward]


# --8<-- [start:layer_norm_channels_first]
def layer_norm_channels_first(input, weight, bias, eps=1e-6):
    """ConvNeXt's LayerNorm for (N, C, H, W) input: each position (n, h, w) is
    normalised over its C channels only; γ, β one per channel.

    The same as permuting to (N, H, W, C), ``nn.LayerNorm(C)``, permuting back.
    Not ``GroupNorm(1, C)``, whose statistics also run over H and W.
    """
    mean = input.mean(axis=1, keepdims=True)
    var = ((input - mean) ** 2).mean(axis=1, keepdims=True)
    x_hat = (input - mean) / np.sqrt(var + eps)
    shape = (1, -1) + (1,) * (input.ndim - 2)
    return weight.reshape(shape) * x_hat + bias.reshape(shape)
# --8<-- [end:layer_norm_channels_first]


def _check_group_norm(input, num_groups, weight, bias):
    """Raise what ``F.group_norm`` raises, in torch's order."""
    if input.ndim < 2:
        raise RuntimeError("Expected at least 2 dimensions for input tensor but "
                           f"received {input.ndim}")
    size = [input.shape[0] * input.shape[1] // num_groups, num_groups]
    size += list(input.shape[2:])
    if size[0] * math.prod(size[2:]) == 1:
        raise ValueError("Expected more than 1 value per channel when training, "
                         f"got input size {size}")
    if input.shape[1] % num_groups:
        raise RuntimeError("Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(input.shape)} "
                           f"and num_groups={num_groups}")
    for name, param in (("weight", weight), ("bias", bias)):
        if param is not None and (param.ndim != 1 or param.size != input.shape[1]):
            raise RuntimeError(
                f"Expected {name} to be a vector of size equal to the number of "
                f"channels in input, but got {name} of shape {list(param.shape)} and "
                f"input of shape {list(input.shape)}")


# --8<-- [start:group_norm]
def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise each sample of ``input`` (N, C, *) over groups of C/G channels.

    weight, bias: of shape (C,), one γ, β per channel (not per group).
    """
    _check_group_norm(input, num_groups, weight, bias)
    dtype = _compute_dtype(input, "GroupNormKernelImpl")
    _check_param_dtypes(input, weight=weight, bias=bias)
    if input.size == 0:
        return input.copy()
    x = input.astype(dtype, copy=False)
    n = input.shape[0]
    shape = (1, -1) + (1,) * (input.ndim - 2)    # broadcast (C,) over (N, C, *)
    # (N, G, C/G · *): row (n, g) holds every value of group g in sample n
    groups = x.reshape(n, num_groups, -1)
    # μ_ng = mean over the group's channels and positions
    mean = groups.mean(axis=2, keepdims=True)
    # σ²_ng = mean of (x − μ_ng)² over the same values
    var = ((groups - mean) ** 2).mean(axis=2, keepdims=True)
    # x̂ = (x − μ_ng) / √(σ²_ng + ε), back in (N, C, *)
    x_hat = ((groups - mean) / np.sqrt(var + eps)).reshape(input.shape)
    # y = γ_c x̂ + β_c
    y = x_hat
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y.astype(input.dtype, copy=False)
# --8<-- [end:group_norm]


def _check_instance_norm(input, running_mean, running_var, weight, bias,
                         use_input_stats):
    """Raise what ``F.instance_norm`` raises, in torch's order."""
    if use_input_stats and math.prod(input.shape[2:]) == 1:
        raise ValueError("Expected more than 1 spatial element when training, "
                         f"got input size {input.shape}")
    _compute_dtype(input, "batch_norm")
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None "
                         "or neither be None")
    if not use_input_stats and running_mean is None:
        raise RuntimeError("Expected running_mean and running_var to be defined "
                           "when use_input_stats is false")
    # torch repeats every per-channel tensor over the batch: N·C elements
    n, c = input.shape[:2]
    params = {"running_mean": running_mean, "running_var": running_var,
              "weight": weight, "bias": bias}
    for name, param in params.items():
        if param is not None and param.size != c:
            raise RuntimeError(
                f"{name} should contain {n * c} elements not {n * param.size}")
    _check_param_dtypes(input, weight=weight, bias=bias)


# --8<-- [start:instance_norm]
def instance_norm(input, running_mean=None, running_var=None, weight=None,
                  bias=None, use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalise every channel of every sample of ``input`` (N, C, *) on its own.

    use_input_stats: normalise with each instance's statistics and, when the
    buffers are given, update ``running_mean`` and ``running_var`` in place with
    their average over the batch. Otherwise normalise with the buffers.
    """
    _check_instance_norm(input, running_mean, running_var, weight, bias,
                         use_input_stats)
    if input.size == 0:
        if use_input_stats and running_mean is not None and input.shape[0] == 0:
            running_mean[:] = running_var[:] = np.nan   # torch: the mean of no samples
        return input.copy()
    x = input.astype(_compute_dtype(input, "batch_norm"), copy=False)
    axes = tuple(range(2, input.ndim))               # the spatial axes
    shape = (1, -1) + (1,) * (input.ndim - 2)        # broadcast (C,) over (N, C, *)
    if use_input_stats:
        # μ_nc = (1/L) Σ_l x_ncl   over the L positions of channel c of sample n
        mean = x.mean(axis=axes, keepdims=True)
        # σ²_nc = (1/L) Σ_l (x_ncl − μ_nc)²
        var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
        if running_mean is not None:
            length = math.prod(input.shape[2:])
            # running ← (1 − momentum) · running + momentum · mean over n of μ_nc
            batch_mean = mean.mean(axis=0).reshape(-1)
            running_mean[:] = (1 - momentum) * running_mean + momentum * batch_mean
            # the same with the unbiased L/(L − 1) · σ²_nc, as BatchNorm does
            batch_var = (var * length / (length - 1)).mean(axis=0).reshape(-1)
            running_var[:] = (1 - momentum) * running_var + momentum * batch_var
    else:
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
    # x̂ = (x − μ) / √(σ² + ε)
    x_hat = (x - mean) / np.sqrt(var + eps)
    # y = γ_c x̂ + β_c
    y = x_hat
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y.astype(input.dtype, copy=False)
# --8<-- [end:instance_norm]


# --8<-- [start:rms_norm]
def rms_norm(input, normalized_shape, weight=None, eps=None):
    """Divide by the root mean square over the trailing ``normalized_shape`` axes.

    No mean is subtracted and there is no β. eps=None: the machine epsilon of the
    computing dtype (float32 for float16 input: measured on torch 2.13's CPU).
    """
    _check_normalized_shape("rms_norm", input, normalized_shape, weight=weight)
    dtype = _compute_dtype(input, "rms_norm")
    if eps is None:
        eps = np.finfo(dtype).eps
    if input.size == 0:
        return input.copy()
    x = input.astype(dtype, copy=False)
    axes = tuple(range(input.ndim - len(normalized_shape), input.ndim))
    # RMS(x) = √((1/H) Σ_i x_i² + ε)
    rms = np.sqrt((x**2).mean(axis=axes, keepdims=True) + eps)
    # y = γ ⊙ x / RMS(x)
    y = x / rms
    if weight is not None:
        y = y * weight
    return y.astype(input.dtype, copy=False)
# --8<-- [end:rms_norm]
