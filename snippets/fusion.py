"""Folding eval-mode BatchNorm into the convolution or linear layer before it.

In eval mode BatchNorm is an affine map per channel, y = a·z + c with
a = γ/√(σ² + ε) and c = β − a·μ, so a conv or linear layer followed by it is one
conv or linear layer with scaled weights and a new bias. ``fuse_conv_bn_weights``
and ``fuse_linear_bn_weights`` mirror ``torch.nn.utils.fusion``;
``tests/test_fusion.py`` checks them against torch and against the unfused layers.
"""

from __future__ import annotations

import numpy as np

from snippets.batch_norm import batch_norm


# --8<-- [start:fuse_conv_bn_weights]
def fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b,
                         transpose=False):
    """Weight and bias of one conv equal to ``conv`` then eval-mode ``BatchNorm``.

    conv_w: (C_out, C_in/groups, *kernel); with ``transpose=True`` (ConvTranspose,
    groups=1 here as in torch) (C_in, C_out, *kernel). conv_b, bn_w, bn_b may be None.
    """
    if conv_b is None:
        conv_b = np.zeros_like(bn_rm)
    if bn_w is None:
        bn_w = np.ones_like(bn_rm)
    if bn_b is None:
        bn_b = np.zeros_like(bn_rm)
    # 1/√(σ² + ε)
    bn_var_rsqrt = 1 / np.sqrt(bn_rv + bn_eps)
    # the output-channel axis of the weight: 0, or 1 for a transposed conv
    shape = ((1, -1) if transpose else (-1, 1)) + (1,) * (conv_w.ndim - 2)
    # W' = W · γ/√(σ² + ε)   (each output channel's filter scaled)
    fused_w = conv_w * (bn_w * bn_var_rsqrt).reshape(shape)
    # b' = (b − μ) · γ/√(σ² + ε) + β
    fused_b = (conv_b - bn_rm) * bn_var_rsqrt * bn_w + bn_b
    return fused_w.astype(conv_w.dtype), fused_b.astype(conv_b.dtype)
# --8<-- [end:fuse_conv_bn_weights]


# --8<-- [start:fuse_linear_bn_weights]
def fuse_linear_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b):
    """Weight and bias of one linear layer equal to ``linear`` then eval BatchNorm1d.

    linear_w: (out_features, in_features); linear_b may be None, bn_w and bn_b not
    (as in torch).
    """
    if linear_b is None:
        linear_b = np.zeros_like(bn_rm)
    # a = γ/√(σ² + ε), one per output feature
    bn_scale = bn_w / np.sqrt(bn_rv + bn_eps)
    # W' = diag(a) · W   (row j scaled by a_j)
    fused_w = linear_w * bn_scale[:, None]
    # b' = (b − μ) · a + β
    fused_b = (linear_b - bn_rm) * bn_scale + bn_b
    return fused_w.astype(linear_w.dtype), fused_b.astype(linear_b.dtype)
# --8<-- [end:fuse_linear_bn_weights]


# --8<-- [start:bias_before_batch_norm]
def bias_before_batch_norm(z, conv_b, eps=1e-5):
    """Train-mode BatchNorm of ``z + b`` and of ``z``, for a per-channel bias b.

    The two are equal: μ_B moves by b and x − μ_B does not, so a conv bias right
    before BatchNorm is redundant (β does its job).
    """
    shape = (1, -1) + (1,) * (z.ndim - 2)
    # BN(z + b) = (z + b − (μ_B + b)) / √(σ²_B + ε) = BN(z)
    with_bias = batch_norm(z + conv_b.reshape(shape), None, None, training=True,
                           eps=eps)
    without = batch_norm(z, None, None, training=True, eps=eps)
    return with_bias, without
# --8<-- [end:bias_before_batch_norm]


# --8<-- [start:fold_into_next_conv]
def fold_bn_into_next_conv(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b):
    """Weight and bias of a conv taking x in place of BN(x): conv(BN(x)) = conv'(x).

    Exact only where the kernel sees no padding: the conv pads BN(x) with zeros,
    but conv' pads x with zeros, which BN would have mapped to c = β − a·μ, not 0.
    conv_w: (C_out, C_in, *kernel), groups=1; conv_b may be None.
    """
    if conv_b is None:
        conv_b = np.zeros(conv_w.shape[0], conv_w.dtype)
    # BN(x) = a · x + c per input channel
    a = bn_w / np.sqrt(bn_rv + bn_eps)
    c = bn_b - a * bn_rm
    # W'[o, i] = W[o, i] · a_i   (the input-channel axis, axis 1)
    fused_w = conv_w * a.reshape((1, -1) + (1,) * (conv_w.ndim - 2))
    # b'_o = b_o + Σ_i Σ_k W[o, i, k] · c_i   (c is constant over the window)
    kernel_axes = tuple(range(2, conv_w.ndim))
    fused_b = conv_b + conv_w.sum(axis=kernel_axes) @ c
    return fused_w, fused_b
# --8<-- [end:fold_into_next_conv]
