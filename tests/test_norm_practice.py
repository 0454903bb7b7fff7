"""snippets/norm_practice.py against torch 2.13 (CPU) and float64: bf16 LayerNorm /
RMSNorm computed in float32, the ε that bf16 can resolve, precise BN against
BatchNorm's cumulative average (momentum=None), spectral normalization against
torch.nn.utils.parametrizations.spectral_norm, FRN + TLU and Switchable Norm
against torch ops composed.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from snippets.norm_practice import (
    eps_is_resolved,
    frn_tlu,
    precise_bn_statistics,
    rms_norm_upcast,
    softmax,
    spectral_normalize,
    switchable_norm,
)
from test_batch_norm import (  # noqa: F401 - one_torch_thread: an autouse fixture
    close,
    data,
    one_torch_thread,
    tt,
)

BF16_REL = 2.0 ** -8      # bf16 keeps 8 significant bits: rounding error ≤ 2^-8 relative


# --- bf16 --------------------------------------------------------------------------

def bf16_input(shape=(32, 256), loc=100.0, scale=1.0, seed=0):
    """Activations whose mean is large against their spread: the hard case."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, generator=g, dtype=torch.float64) * scale + loc
    return x.to(torch.bfloat16)


def within_one_rounding(out, ref, atol=1e-4):
    """|out − ref| ≤ 2^-8 |ref| + atol; atol covers float32's own error in x − μ
    (about 100 · 2^-24 / σ) where ref is exactly 0."""
    err = (out.double() - ref).abs()
    return bool((err <= BF16_REL * ref.abs() + atol).all())


def test_torch_layer_norm_on_bf16_is_float64_rounded_once():
    """F.layer_norm on a bf16 tensor (CPU) is within one bf16 rounding of the float64
    result on the same input: the statistics are not computed in bf16."""
    xb = bf16_input()
    ref = F.layer_norm(xb.double(), (256,))
    out = F.layer_norm(xb, (256,))
    assert out.dtype == torch.bfloat16
    assert within_one_rounding(out, ref)


def test_layer_norm_computed_in_bf16_loses_the_signal():
    """All in bf16: near 100, bf16 values are 0.5 apart, so μ ≈ 100 is off by up to
    0.25 while σ ≈ 1; the output is off by 0.1 and more, not 2^-8 relative."""
    xb = bf16_input()
    ref = F.layer_norm(xb.double(), (256,))
    mu = xb.mean(-1, keepdim=True)
    var = ((xb - mu) ** 2).mean(-1, keepdim=True)
    naive = (xb - mu) / torch.sqrt(var + 1e-5)
    assert naive.dtype == torch.bfloat16
    assert (naive.double() - ref).abs().max() > 0.1
    assert not within_one_rounding(naive, ref)


def test_rms_norm_upcast_matches_float64_and_torch():
    xb = bf16_input(loc=0.0, scale=3.0)
    weight = torch.linspace(0.5, 2.0, 256, dtype=torch.bfloat16)
    ours = rms_norm_upcast(xb, weight, eps=1e-6)
    assert ours.dtype == torch.bfloat16
    ref = F.rms_norm(xb.double(), (256,), eps=1e-6)
    # before γ: one rounding from float64
    assert within_one_rounding(rms_norm_upcast(xb, torch.ones(256, dtype=torch.bfloat16)),
                               ref)
    # torch's own bf16 rms_norm rounds once after γ, ours before and after γ
    theirs = F.rms_norm(xb, (256,), weight, eps=1e-6).double()
    assert ((ours.double() - theirs).abs() <= 2 * BF16_REL * theirs.abs() + 1e-4).all()


@pytest.mark.parametrize("variance,eps,resolved_bf16,resolved_f32", [
    (1.0, 1e-5, False, True),      # typical activations: ε = 1e-5 vanishes in bf16
    (1.0, 1e-3, False, True),      # even 1e-3 < 2^-8
    (1.0, 1e-2, True, True),
    (1e-3, 1e-5, True, True),      # small variance: 1e-5 counts again
    (1.0, 1e-8, False, False),     # below float32's half-spacing 2^-24 too
])
def test_the_eps_a_dtype_can_resolve(variance, eps, resolved_bf16, resolved_f32):
    assert eps_is_resolved(variance, eps, torch.bfloat16) is resolved_bf16
    assert eps_is_resolved(variance, eps, torch.float32) is resolved_f32


def test_eps_is_lost_below_half_the_spacing():
    """ε is resolved iff it exceeds half the spacing of bf16 at the variance
    (2^(e−7) for a variance in [2^e, 2^(e+1)); ties to even aside)."""
    for variance in [0.3, 1.0, 5.0, 1e-3]:
        e = np.floor(np.log2(variance))
        half_spacing = 2.0 ** (e - 8)
        assert not eps_is_resolved(variance, 0.9 * half_spacing, torch.bfloat16)
        assert eps_is_resolved(variance, 1.1 * half_spacing, torch.bfloat16)


# --- precise BN -----------------------------------------------------------------------

def batches(k=20, shape=(8, 3, 4, 4), seed=0):
    return [data(shape, seed=seed + i) for i in range(k)]


def test_precise_bn_is_batch_norms_cumulative_average():
    """nn.BatchNorm2d(momentum=None) after reset_running_stats(): the running buffers
    are the plain average over the batches seen, which is precise BN."""
    bs = batches()
    bn = torch.nn.BatchNorm2d(3, momentum=None, dtype=torch.float64)
    bn.reset_running_stats()
    with torch.no_grad():
        for b in bs:
            bn(tt(b))
    mean, var = precise_bn_statistics(bs)
    close(mean, bn.running_mean)
    close(var, bn.running_var)


def test_ema_lags_when_the_features_drift():
    """During training the features drift (here their mean rises by 0.5 per step);
    the EMA with momentum 0.1 trails the final features by about (1 − m)/m = 9 steps
    of drift, while precise BN, run on the final model, has their mean."""
    bn = torch.nn.BatchNorm2d(3, momentum=0.1, dtype=torch.float64)
    steps, drift = 100, 0.5
    with torch.no_grad():
        for t in range(steps):
            bn(tt(data((8, 3, 4, 4), seed=t, loc=drift * t)))
    final = [data((8, 3, 4, 4), seed=1000 + i, loc=drift * (steps - 1)) for i in range(20)]
    mean, _ = precise_bn_statistics(final)
    lag = mean - bn.running_mean.numpy()
    np.testing.assert_allclose(lag, drift * 9, rtol=0.1)
    true_mean = drift * (steps - 1) + np.arange(3)      # data(): channel c has loc + c
    np.testing.assert_allclose(mean, true_mean, atol=0.2)


# --- spectral normalization ------------------------------------------------------------

@pytest.mark.parametrize("shape", [(5, 7), (4, 3, 3, 3)], ids=["linear", "conv"])
def test_spectral_normalize_matches_torch_parametrization(shape):
    torch.manual_seed(0)
    layer = (torch.nn.Linear(shape[1], shape[0]) if len(shape) == 2
             else torch.nn.Conv2d(shape[1], shape[0], 3)).double()
    torch.nn.utils.parametrizations.spectral_norm(layer)
    param = layer.parametrizations.weight
    weight = param.original.detach().numpy().copy()
    u, v = param[0]._u.numpy().copy(), param[0]._v.numpy().copy()
    ours, u_new, v_new = spectral_normalize(weight, u, v)
    theirs = layer.weight          # a training-mode access: one power iteration
    close(ours, theirs)
    close(u_new, param[0]._u)
    close(v_new, param[0]._v)


def test_spectral_normalize_converges_to_unit_spectral_norm():
    w = np.random.default_rng(1).standard_normal((6, 9))
    rng = np.random.default_rng(2)
    u, v = rng.standard_normal(6), rng.standard_normal(9)
    w_sn, _, _ = spectral_normalize(w, u / np.linalg.norm(u), v / np.linalg.norm(v),
                                    n_power_iterations=200)
    close(torch.linalg.matrix_norm(tt(w_sn), ord=2).numpy(), np.array(1.0))


# --- FRN + TLU --------------------------------------------------------------------------

def test_frn_tlu_matches_torch_ops():
    x = data((4, 3, 5, 6), loc=0.5)
    rng = np.random.default_rng(3)
    gamma, beta, tau = rng.uniform(0.5, 2, 3), rng.standard_normal(3), rng.standard_normal(3)
    tx = tt(x)
    nu2 = tx.pow(2).mean(dim=(2, 3), keepdim=True)
    y = tt(gamma)[None, :, None, None] * tx * torch.rsqrt(nu2 + 1e-6) \
        + tt(beta)[None, :, None, None]
    expected = torch.maximum(y, tt(tau)[None, :, None, None])
    close(frn_tlu(x, gamma, beta, tau), expected)


def test_frn_does_not_depend_on_the_batch_and_does_not_centre():
    x = data((4, 3, 5, 6))
    ones, zeros, low = np.ones(3), np.zeros(3), np.full(3, -np.inf)
    alone = frn_tlu(x[:1], ones, zeros, low)
    close(frn_tlu(x, ones, zeros, low)[:1], alone)
    # no mean subtraction: a constant map c > 0 becomes (almost) 1, not 0
    const = np.full((1, 3, 4, 4), 2.0)
    close(frn_tlu(const, ones, zeros, low, eps=0.0), np.ones_like(const))


# --- Switchable Normalization -------------------------------------------------------------

ONE_HOT = {"IN": [1.0, 0, 0], "LN": [0, 1.0, 0], "BN": [0, 0, 1.0]}


@pytest.mark.parametrize("which", ["IN", "LN", "BN"])
def test_switchable_norm_with_one_hot_weights_is_that_norm(which):
    x = data((4, 3, 5, 6))
    rng = np.random.default_rng(4)
    gamma, beta = rng.uniform(0.5, 2, 3), rng.standard_normal(3)
    w = np.array(ONE_HOT[which])
    ours = switchable_norm(x, w, w, gamma, beta)
    g, b = tt(gamma)[None, :, None, None], tt(beta)[None, :, None, None]
    expected = {
        "IN": lambda: F.instance_norm(tt(x), weight=tt(gamma), bias=tt(beta)),
        "LN": lambda: F.layer_norm(tt(x), (3, 5, 6)) * g + b,
        "BN": lambda: F.batch_norm(tt(x), None, None, tt(gamma), tt(beta), training=True),
    }[which]()
    close(ours, expected)


def test_switchable_norm_mixes_the_statistics():
    """Equal weights: μ and σ² are the averages of the three normalizers' statistics."""
    x = data((4, 3, 5, 6))
    w = softmax(np.zeros(3))
    ours = switchable_norm(x, w, w, np.ones(3), np.zeros(3))
    tx = tt(x)
    var_in, mean_in = torch.var_mean(tx, dim=(2, 3), unbiased=False, keepdim=True)
    var_ln, mean_ln = torch.var_mean(tx, dim=(1, 2, 3), unbiased=False, keepdim=True)
    var_bn, mean_bn = torch.var_mean(tx, dim=(0, 2, 3), unbiased=False, keepdim=True)
    mean = (mean_in + mean_ln + mean_bn) / 3
    var = (var_in + var_ln + var_bn) / 3
    close(ours, (tx - mean) / torch.sqrt(var + 1e-5))
