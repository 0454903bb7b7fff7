"""snippets/conditional_norm.py against torch ops composed (torch 2.13, CPU): FiLM,
AdaIN, DiT's adaLN-Zero block; zero initialisation makes the block the identity
and still lets the modulation learn.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from snippets.conditional_norm import adain, adaln_zero_block, film
from test_batch_norm import (  # noqa: F401 - one_torch_thread: an autouse fixture
    close,
    data,
    one_torch_thread,
    tt,
)

N, L, D, D_COND = 3, 5, 8, 4


def test_film_is_a_per_sample_per_channel_affine_map():
    x = data((2, 3, 4, 5))
    rng = np.random.default_rng(2)
    gamma, beta = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    expected = tt(gamma)[:, :, None, None] * tt(x) + tt(beta)[:, :, None, None]
    close(film(x, gamma, beta), expected)
    # γ = 1, β = 0: the features pass unchanged
    close(film(x, np.ones((2, 3)), np.zeros((2, 3))), x)


@pytest.mark.parametrize("shape", [(2, 3, 7), (2, 3, 5, 4)], ids=["NCL", "NCHW"])
def test_adain_is_instance_norm_then_the_styles_statistics(shape):
    content, style = data(shape, seed=0), data(shape, seed=1, loc=-2.0, scale=5.0)
    dims = tuple(range(2, len(shape)))
    var, mean = torch.var_mean(tt(style), dim=dims, unbiased=False, keepdim=True)
    expected = F.instance_norm(tt(content)) * torch.sqrt(var + 1e-5) + mean
    out = adain(content, style)
    close(out, expected)
    # the output carries the style's per-channel mean and spread, not the content's
    close(out.mean(axis=dims), style.mean(axis=dims))
    assert not np.allclose(out.mean(axis=dims), content.mean(axis=dims), atol=0.1)


class TorchDiTBlock(torch.nn.Module):
    """DiT's block as its reference code writes it (adaLN_modulation, modulate, gates)."""

    def __init__(self):
        super().__init__()
        self.norm1 = torch.nn.LayerNorm(D, elementwise_affine=False, eps=1e-6)
        self.norm2 = torch.nn.LayerNorm(D, elementwise_affine=False, eps=1e-6)
        self.attn = torch.nn.MultiheadAttention(D, 2, batch_first=True)
        self.mlp = torch.nn.Sequential(torch.nn.Linear(D, 2 * D), torch.nn.GELU(),
                                       torch.nn.Linear(2 * D, D))
        self.adaLN_modulation = torch.nn.Sequential(torch.nn.SiLU(),
                                                    torch.nn.Linear(D_COND, 6 * D))

    def attention(self, h):
        return self.attn(h, h, h, need_weights=False)[0]

    def forward(self, x, c):
        def modulate(h, shift, scale):
            return h * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1)
        (shift_msa, scale_msa, gate_msa,
         shift_mlp, scale_mlp, gate_mlp) = self.adaLN_modulation(c).chunk(6, dim=1)
        x = x + gate_msa.unsqueeze(1) * self.attention(
            modulate(self.norm1(x), shift_msa, scale_msa))
        return x + gate_mlp.unsqueeze(1) * self.mlp(
            modulate(self.norm2(x), shift_mlp, scale_mlp))


def block_and_inputs(zero_init):
    torch.manual_seed(0)
    block = TorchDiTBlock().double()
    if zero_init:  # adaLN-Zero
        torch.nn.init.zeros_(block.adaLN_modulation[-1].weight)
        torch.nn.init.zeros_(block.adaLN_modulation[-1].bias)
    x, c = data((N, L, D)), data((N, D_COND), seed=3)
    return block, x, c


def ours(block, x, c):
    linear = block.adaLN_modulation[-1]

    def numpy_of(module):
        return lambda h: module(torch.from_numpy(h)).detach().numpy()
    return adaln_zero_block(x, c, linear.weight.detach().numpy().T,
                            linear.bias.detach().numpy(),
                            numpy_of(block.attention), numpy_of(block.mlp))


def test_adaln_block_matches_dits_reference_block():
    block, x, c = block_and_inputs(zero_init=False)
    out = ours(block, x, c)
    close(out, block(tt(x), tt(c)))
    assert not np.allclose(out, x, atol=1e-3)   # a non-zero modulation changes x


def test_adaln_zero_block_is_the_identity_at_initialisation():
    block, x, c = block_and_inputs(zero_init=True)
    np.testing.assert_array_equal(ours(block, x, c), x)
    np.testing.assert_array_equal(block(tt(x), tt(c)).detach().numpy(), x)


def test_adaln_zero_gates_receive_gradient_the_other_sublayers_do_not():
    """At zero init only the gates' rows of the modulation get a gradient; the
    attention and MLP weights get none until a gate moves away from 0."""
    block, x, c = block_and_inputs(zero_init=True)
    block(tt(x), tt(c)).pow(2).sum().backward()
    grad = block.adaLN_modulation[-1].weight.grad.reshape(6, D, D_COND)
    gates = grad[[2, 5]]
    others = grad[[0, 1, 3, 4]]
    assert gates.abs().max() > 1e-3
    assert others.abs().max() == 0
    assert block.mlp[0].weight.grad.abs().max() == 0
    assert block.attn.in_proj_weight.grad.abs().max() == 0
