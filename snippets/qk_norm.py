"""QK-norm: normalise every head's queries and keys before their dot products.

* Henry et al. 2020 (QKNorm, arXiv:2010.04245): ℓ2-normalise q and k along the head
  dimension, and multiply by a learnable g instead of dividing by √d.
* Dehghani et al. 2023 (ViT-22B, arXiv:2302.05442): LayerNorm on q and k; many later
  models use RMSNorm the same way.

Normalised q, k have a fixed length, so the attention logits are bounded whatever the
size of W_Q, W_K. ``tests/test_qk_norm.py`` checks the code against
``torch.nn.functional.scaled_dot_product_attention`` fed with ``F.layer_norm``,
``F.rms_norm`` and ``F.normalize``.
"""

from __future__ import annotations

import numpy as np

from snippets.attention import attention_logits, scaled_dot_product_attention, softmax
from snippets.norms import layer_norm, rms_norm


# --8<-- [start:qk_norm]
def qk_layer_norm(t, weight=None, bias=None, eps=1e-5):
    """LayerNorm of each query (or key) over the head dimension, the last axis."""
    return layer_norm(t, t.shape[-1:], weight, bias, eps)


def qk_rms_norm(t, weight=None, eps=1e-6):
    """RMSNorm of each query (or key) over the head dimension."""
    return rms_norm(t, t.shape[-1:], weight, eps)


def l2_qk_attention(q, k, v, g):
    """Henry et al.: softmax(g · q̂ k̂ᵀ) v with q̂ = q/‖q‖, k̂ = k/‖k‖ along the head dimension."""
    q_hat = q / np.linalg.norm(q, axis=-1, keepdims=True)
    k_hat = k / np.linalg.norm(k, axis=-1, keepdims=True)
    return scaled_dot_product_attention(q_hat, k_hat, v, scale=g)
# --8<-- [end:qk_norm]


# --8<-- [start:logit_growth]
def max_attention_logit(q, k):
    """The largest |q·k|/√d over all heads and query-key pairs."""
    return np.abs(attention_logits(q, k)).max()


def attention_entropy(q, k):
    """Mean entropy −Σ_j p_j log p_j of the attention rows p = softmax(q kᵀ/√d), in nats.

    log S for uniform attention over S keys; 0 when each query attends to one key only.
    """
    p = softmax(attention_logits(q, k))
    return -(p * np.log(np.clip(p, 1e-300, None))).sum(axis=-1).mean()
# --8<-- [end:logit_growth]
