"""Post-LN and Pre-LN Transformer encoder blocks in NumPy (Xiong et al. 2020, arXiv:2002.04745).

Post-LN (the original Transformer): x ← LN(x + Sublayer(x)), the LayerNorm on the
residual path. Pre-LN: x ← x + Sublayer(LN(x)), the residual path left alone, and
one more LayerNorm after the last block. The weights are named as in the state_dict
of ``torch.nn.TransformerEncoderLayer`` (ReLU, ``batch_first=True``);
``tests/test_transformer_blocks.py`` copies them from torch and compares the outputs
with ``norm_first=False`` and ``norm_first=True`` in eval mode.
"""

from __future__ import annotations

import numpy as np

from snippets.attention import self_attention
from snippets.norms import layer_norm


# --8<-- [start:blocks]
def feed_forward(x, params):
    """W₂ ReLU(W₁ x + b₁) + b₂, applied to every position."""
    hidden = np.maximum(x @ params["linear1.weight"].T + params["linear1.bias"], 0.0)
    return hidden @ params["linear2.weight"].T + params["linear2.bias"]


def named_layer_norm(x, params, name, eps):
    """LayerNorm over the last axis with the γ, β called `name` (norm1 or norm2)."""
    return layer_norm(x, x.shape[-1:], params[name + ".weight"], params[name + ".bias"], eps)


def post_ln_block(x, params, num_heads, eps=1e-5):
    """Post-LN: the sum of the residual and the sublayer is normalised."""
    x = named_layer_norm(x + self_attention(x, params, num_heads), params, "norm1", eps)
    return named_layer_norm(x + feed_forward(x, params), params, "norm2", eps)


def pre_ln_block(x, params, num_heads, eps=1e-5):
    """Pre-LN: only the sublayer's input is normalised; x itself goes on unchanged."""
    x = x + self_attention(named_layer_norm(x, params, "norm1", eps), params, num_heads)
    return x + feed_forward(named_layer_norm(x, params, "norm2", eps), params)
# --8<-- [end:blocks]


# --8<-- [start:encoder]
def encoder(x, layers, num_heads, norm_first, final_norm=None, eps=1e-5):
    """A stack of blocks; ``final_norm`` (γ, β) is the LayerNorm after the last block.

    Pre-LN needs it: its output is x plus the sum of every sublayer's output, never
    normalised. ``nn.TransformerEncoder(layer, num_layers, norm=nn.LayerNorm(d))``.
    """
    block = pre_ln_block if norm_first else post_ln_block
    for params in layers:
        x = block(x, params, num_heads, eps)
    if final_norm is not None:
        x = layer_norm(x, x.shape[-1:], final_norm[0], final_norm[1], eps)
    return x
# --8<-- [end:encoder]
