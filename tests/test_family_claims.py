"""Claims of the family and practice pages that the snippet tests do not already make,
each checked against torch 2.13: module defaults, invariances of LayerNorm and RMSNorm,
BN in a GAN discriminator, ``no_grad`` is not ``eval()``, ``drop_last``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from snippets.norms import layer_norm, rms_norm
from snippets.pitfalls import prediction_in_batches
from test_batch_norm import close, data, one_torch_thread, tt  # noqa: F401 - autouse fixture


# --- "Instance Normalization": the defaults of nn.InstanceNorm2d -----------------------

def test_instance_norm_has_no_affine_and_no_buffers_by_default():
    layer = torch.nn.InstanceNorm2d(3)
    assert layer.affine is False and layer.track_running_stats is False
    assert layer.weight is None and layer.bias is None and layer.running_mean is None
    x = tt(data((2, 3, 4, 5)).astype(np.float32))
    # eval still normalises each image with its own statistics
    torch.testing.assert_close(layer.train()(x), layer.eval()(x))
    torch.testing.assert_close(layer(x), F.instance_norm(x))


def test_parameter_shapes_of_the_modules():
    """LayerNorm and RMSNorm: one γ per normalised element; GroupNorm: one per channel."""
    assert torch.nn.LayerNorm((6, 4, 5)).weight.shape == (6, 4, 5)
    assert torch.nn.LayerNorm((6, 4, 5)).bias.shape == (6, 4, 5)
    assert torch.nn.GroupNorm(3, 6).weight.shape == (6,)
    rms = torch.nn.RMSNorm((4, 5))
    assert rms.weight.shape == (4, 5)
    assert not hasattr(rms, "bias") or rms.bias is None


# --- "Layer Normalization" and "RMSNorm": invariances ---------------------------------

NS = (6, 5)           # normalized_shape of an (N, 6, 5) input


@pytest.mark.parametrize("scale,shift", [(3.0, 0.0), (0.25, 0.0), (2.0, -7.0), (1.0, 40.0)])
def test_layer_norm_ignores_one_scale_and_shift_per_sample(scale, shift):
    x = data((4, *NS))
    # a different positive scale and shift for each sample
    s = scale * np.arange(1, 5).reshape(-1, 1, 1)
    b = shift * np.arange(-1, 3).reshape(-1, 1, 1)
    eps = 1e-12                      # ε > 0 makes the invariance approximate
    expected = F.layer_norm(tt(x), NS, eps=eps).numpy()
    close(F.layer_norm(tt(s * x + b), NS, eps=eps).numpy(), expected)
    np.testing.assert_allclose(layer_norm(s * x + b, NS, eps=eps), expected,
                               rtol=1e-9, atol=1e-9)


def test_layer_norm_invariance_is_approximate_with_eps():
    x = np.random.default_rng(0).standard_normal((4, *NS)) * 1e-3   # σ² ≈ 1e-6 < ε = 1e-5
    small, large = layer_norm(x, NS), layer_norm(1000 * x, NS)
    # σ²/(σ² + ε) ≈ 0.09: the small input comes out shrunk, the large one not
    close(large, F.layer_norm(tt(1000 * x), NS))
    np.testing.assert_allclose(small.std(axis=(1, 2)), np.sqrt(
        x.var(axis=(1, 2)) / (x.var(axis=(1, 2)) + 1e-5)), rtol=1e-9)
    assert np.all(small.std(axis=(1, 2)) < 0.5) and np.allclose(large.std(axis=(1, 2)), 1, atol=1e-3)


def test_rms_norm_ignores_scale_but_not_shift():
    x = data((4, *NS))
    eps = 1e-12
    expected = F.rms_norm(tt(x), NS, eps=eps).numpy()
    np.testing.assert_allclose(rms_norm(7.5 * x, NS, eps=eps), expected, rtol=1e-9)
    close(F.rms_norm(tt(7.5 * x), NS, eps=eps).numpy(), expected)
    shifted = F.rms_norm(tt(x + 3.0), NS, eps=eps).numpy()
    assert np.abs(shifted - expected).max() > 0.1
    np.testing.assert_allclose(rms_norm(x + 3.0, NS, eps=eps), shifted, rtol=1e-9)


def test_rms_norm_mean_square_is_variance_plus_squared_mean():
    x = data((4, 30))
    rms2 = (x**2).mean(axis=1)
    np.testing.assert_allclose(rms2, x.var(axis=1) + x.mean(axis=1) ** 2, rtol=1e-12)


def test_layer_norm_of_a_sample_does_not_depend_on_its_batch():
    sample = data((1, *NS), seed=10)[0]
    companions = [data((3, *NS), seed=s, loc=5.0 * s) for s in range(3)]

    def ln(batch):
        return layer_norm(batch, NS)

    outputs = prediction_in_batches(ln, sample, companions)
    for output in outputs[1:]:
        np.testing.assert_array_equal(output, outputs[0])


# --- "BN 实践与陷阱" ---------------------------------------------------------------------

def test_gan_discriminator_output_depends_on_the_batch_composition():
    """A training-mode BN in the discriminator: one real sample, batched with real
    samples or with fakes (a shifted distribution), gets different outputs; in eval
    mode the same."""
    torch.manual_seed(0)
    bn = torch.nn.BatchNorm1d(3, dtype=torch.float64)

    def disc(batch):
        return bn(tt(batch)).detach().numpy()

    real = data((1, 3), seed=1, loc=0.0, scale=1.0)[0]
    all_real = data((7, 3), seed=2, loc=0.0, scale=1.0)
    with_fakes = np.concatenate([data((3, 3), seed=3, loc=0.0, scale=1.0),
                                 data((4, 3), seed=4, loc=3.0, scale=0.5)])
    in_real, in_mixed = prediction_in_batches(disc, real, [all_real, with_fakes])
    assert np.abs(in_real - in_mixed).max() > 0.3
    bn.eval()
    in_real, in_mixed = prediction_in_batches(disc, real, [all_real, with_fakes])
    np.testing.assert_array_equal(in_real, in_mixed)


def test_no_grad_is_not_eval():
    """Under torch.no_grad() a training-mode BN still uses and tracks batch statistics."""
    bn = torch.nn.BatchNorm1d(3, dtype=torch.float64)
    x = tt(data((8, 3)))
    with torch.no_grad():
        y = bn(x)
    assert not torch.equal(bn.running_mean, torch.zeros(3, dtype=torch.float64))
    close(y.numpy(), F.batch_norm(x, None, None, training=True))


def test_drop_last_removes_the_batch_of_one():
    dataset = torch.utils.data.TensorDataset(torch.randn(10, 3))
    sizes = [len(b[0]) for b in torch.utils.data.DataLoader(dataset, batch_size=3)]
    assert sizes == [3, 3, 3, 1]
    bn = torch.nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        for (batch,) in torch.utils.data.DataLoader(dataset, batch_size=3):
            bn(batch)
    for (batch,) in torch.utils.data.DataLoader(dataset, batch_size=3, drop_last=True):
        assert len(bn(batch)) == 3
