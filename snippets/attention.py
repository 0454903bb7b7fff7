"""Multi-head self-attention in NumPy, as ``torch.nn.MultiheadAttention`` computes it.

Shared by the Transformer blocks (``snippets/transformer_blocks.py``) and QK-norm
(``snippets/qk_norm.py``). ``tests/test_transformer_blocks.py`` and
``tests/test_qk_norm.py`` check it against torch 2.13.
"""

from __future__ import annotations

import numpy as np


# --8<-- [start:scaled_dot_product_attention]
def softmax(logits, axis=-1):
    """exp(z − max z) / Σ exp(z − max z): the max is subtracted so that exp cannot overflow."""
    shifted = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


def attention_logits(q, k, scale=None):
    """s · q kᵀ for q: (..., L, d), k: (..., S, d); s = 1/√d by default."""
    if scale is None:
        scale = 1.0 / np.sqrt(q.shape[-1])
    return scale * (q @ np.swapaxes(k, -1, -2))


def scaled_dot_product_attention(q, k, v, scale=None):
    """softmax(s · q kᵀ) v, as ``F.scaled_dot_product_attention`` without a mask."""
    return softmax(attention_logits(q, k, scale)) @ v
# --8<-- [end:scaled_dot_product_attention]


# --8<-- [start:self_attention]
def split_heads(x, num_heads):
    """(N, L, d) -> (N, h, L, d/h): head j takes features j·d/h ... (j+1)·d/h − 1."""
    n, length, d = x.shape
    return x.reshape(n, length, num_heads, d // num_heads).transpose(0, 2, 1, 3)


def merge_heads(x):
    """(N, h, L, d/h) -> (N, L, d), the inverse of ``split_heads``."""
    n, heads, length, head_dim = x.shape
    return x.transpose(0, 2, 1, 3).reshape(n, length, heads * head_dim)


def self_attention(x, params, num_heads, prefix="self_attn.", qk_norm=None):
    """Self-attention of x: (N, L, d), with the weights of ``nn.MultiheadAttention``.

    params: arrays named as in its state_dict (``in_proj_weight`` (3d, d) holds W_Q,
    W_K, W_V one under the other). qk_norm: a function applied to the queries and to
    the keys of every head, of shape (N, h, L, d/h), before their dot products.
    """
    w_q, w_k, w_v = np.split(params[prefix + "in_proj_weight"], 3)
    b_q, b_k, b_v = np.split(params[prefix + "in_proj_bias"], 3)
    q, k, v = (split_heads(x @ w.T + b, num_heads)
               for w, b in ((w_q, b_q), (w_k, b_k), (w_v, b_v)))
    if qk_norm is not None:
        q, k = qk_norm(q), qk_norm(k)
    heads = scaled_dot_product_attention(q, k, v)
    return merge_heads(heads) @ params[prefix + "out_proj.weight"].T + params[prefix + "out_proj.bias"]
# --8<-- [end:self_attention]
