"""snippets/transformer_blocks.py and snippets/attention.py against torch 2.13.

The weights of ``nn.TransformerEncoderLayer`` (ReLU, batch_first) are copied into the
NumPy blocks; in eval mode (dropout off) the outputs must agree, for
``norm_first=False`` (Post-LN) and ``norm_first=True`` (Pre-LN), one layer and a stack
with and without the final LayerNorm of ``nn.TransformerEncoder``.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from snippets.attention import (
    attention_logits,
    merge_heads,
    scaled_dot_product_attention,
    self_attention,
    softmax,
    split_heads,
)
from snippets.transformer_blocks import (
    encoder,
    feed_forward,
    named_layer_norm,
    post_ln_block,
    pre_ln_block,
)

D, HEADS, FF, N, L = 16, 4, 32, 3, 7


def torch_layer(norm_first, seed=0):
    torch.manual_seed(seed)
    layer = nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.1, batch_first=True,
                                       norm_first=norm_first, dtype=torch.float64)
    with torch.no_grad():  # non-trivial LayerNorm γ, β so that a misplaced norm shows
        for name, p in layer.named_parameters():
            if name.startswith("norm"):
                p.add_(0.3 * torch.randn_like(p))
    return layer.eval()


def numpy_params(module):
    return {k: v.detach().numpy() for k, v in module.state_dict().items()}


def inputs(seed=1):
    return np.random.default_rng(seed).standard_normal((N, L, D)) * 2.0 + 0.5


def test_the_two_torch_layers_differ():
    # the check below would be empty if torch's two settings computed the same thing
    x = torch.tensor(inputs())
    post, pre = torch_layer(False), torch_layer(True)
    pre.load_state_dict(post.state_dict())
    with torch.no_grad():
        assert not torch.allclose(post(x), pre(x), atol=1e-3)


@pytest.mark.parametrize("norm_first, block", [(False, post_ln_block), (True, pre_ln_block)])
@pytest.mark.parametrize("grad", [False, True], ids=["no_grad", "grad"])
def test_block_equals_transformer_encoder_layer(norm_first, block, grad):
    # no_grad in eval mode takes torch's fused fast path; with grad, the Python path
    layer = torch_layer(norm_first)
    x = torch.tensor(inputs(), requires_grad=grad)
    with torch.set_grad_enabled(grad):
        expected = layer(x).detach().numpy()
    np.testing.assert_allclose(block(inputs(), numpy_params(layer), HEADS), expected,
                               rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("final", [False, True], ids=["no_final_norm", "final_norm"])
def test_encoder_equals_transformer_encoder(norm_first, final):
    layers = [torch_layer(norm_first, seed) for seed in range(3)]
    final_norm = nn.LayerNorm(D, dtype=torch.float64) if final else None
    if final:
        with torch.no_grad():
            final_norm.weight.uniform_(0.5, 1.5)
            final_norm.bias.normal_()
    stack = nn.TransformerEncoder(layers[0], 3, norm=final_norm, enable_nested_tensor=False)
    for i, layer in enumerate(layers):  # TransformerEncoder deep-copies one layer: set each
        stack.layers[i].load_state_dict(layer.state_dict())
    stack.eval()
    with torch.no_grad():
        expected = stack(torch.tensor(inputs())).numpy()
    gamma_beta = (final_norm.weight.detach().numpy(), final_norm.bias.detach().numpy()) if final else None
    got = encoder(inputs(), [numpy_params(layer) for layer in layers], HEADS, norm_first, gamma_beta)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


def test_pre_ln_output_is_not_normalised_without_the_final_norm():
    # Pre-LN without its final LayerNorm: the per-token std drifts away from 1 (here it
    # grows); Post-LN's last operation is a LayerNorm
    layers = [numpy_params(torch_layer(True, seed)) for seed in range(6)]
    out = encoder(inputs(), layers, HEADS, norm_first=True)
    assert out.std(axis=-1).mean() > 1.5
    normed = encoder(inputs(), layers, HEADS, norm_first=True, final_norm=(np.ones(D), np.zeros(D)))
    np.testing.assert_allclose(normed.std(axis=-1), 1.0, rtol=1e-4)


def test_pieces_equal_torch():
    layer = torch_layer(False)
    p = numpy_params(layer)
    x = inputs()
    with torch.no_grad():
        np.testing.assert_allclose(feed_forward(x, p), layer.linear2(F.relu(layer.linear1(torch.tensor(x)))).numpy(),
                                   rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(named_layer_norm(x, p, "norm2", 1e-5), layer.norm2(torch.tensor(x)).numpy(),
                                   rtol=1e-12, atol=1e-12)
        attn, _ = layer.self_attn(*[torch.tensor(x)] * 3, need_weights=False)
    np.testing.assert_allclose(self_attention(x, p, HEADS), attn.numpy(), rtol=1e-10, atol=1e-10)


def test_scaled_dot_product_attention_equals_torch():
    rng = np.random.default_rng(2)
    q, k, v = rng.standard_normal((2, 3, 5, 8)), rng.standard_normal((2, 3, 6, 8)), rng.standard_normal((2, 3, 6, 4))
    for scale in (None, 0.7):
        expected = F.scaled_dot_product_attention(*map(torch.tensor, (q, k, v)), scale=scale).numpy()
        np.testing.assert_allclose(scaled_dot_product_attention(q, k, v, scale), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(attention_logits(q, k), q @ k.swapaxes(-1, -2) / np.sqrt(8))
    np.testing.assert_allclose(softmax(np.array([[1000.0, 1000.0]])), [[0.5, 0.5]])  # no overflow


def test_split_and_merge_heads_are_inverse_and_match_torch_layout():
    x = inputs()
    heads = split_heads(x, HEADS)
    assert heads.shape == (N, HEADS, L, D // HEADS)
    np.testing.assert_array_equal(heads[:, 1], x[:, :, 4:8])
    np.testing.assert_array_equal(merge_heads(heads), x)
