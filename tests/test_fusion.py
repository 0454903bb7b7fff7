"""snippets/fusion.py: folding eval-mode BatchNorm, against torch.nn.utils.fusion and
against the unfused torch layers; a conv bias before BatchNorm is redundant; folding
into the *following* conv is wrong at zero-padded borders.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.nn.utils import fusion

from snippets.fusion import (
    bias_before_batch_norm,
    fold_bn_into_next_conv,
    fuse_conv_bn_weights,
    fuse_linear_bn_weights,
)
from test_batch_norm import (  # noqa: F401 - one_torch_thread: an autouse fixture
    TORCH_DTYPE,
    close,
    data,
    one_torch_thread,
    tt,
)

DTYPES = [np.float64, np.float32]
dtypes = pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])

# layer, its BatchNorm, an input shape, and whether the conv is transposed
LAYERS = {
    "Conv1d": (lambda bias: torch.nn.Conv1d(3, 5, 3, padding=1, bias=bias),
               torch.nn.BatchNorm1d, (4, 3, 9), False),
    "Conv2d": (lambda bias: torch.nn.Conv2d(3, 5, 3, bias=bias),
               torch.nn.BatchNorm2d, (4, 3, 7, 6), False),
    "Conv2d groups": (lambda bias: torch.nn.Conv2d(4, 6, 3, groups=2, bias=bias),
                      torch.nn.BatchNorm2d, (4, 4, 6, 6), False),
    "Conv3d": (lambda bias: torch.nn.Conv3d(3, 5, 2, bias=bias),
               torch.nn.BatchNorm3d, (2, 3, 4, 5, 3), False),
    "ConvTranspose2d": (
        lambda bias: torch.nn.ConvTranspose2d(3, 5, 3, stride=2, bias=bias),
        torch.nn.BatchNorm2d, (4, 3, 5, 4), True),
    "Linear": (lambda bias: torch.nn.Linear(7, 5, bias=bias), torch.nn.BatchNorm1d,
               (16, 7), False),
}


def trained_pair(name, bias, affine, dtype):
    """The layer and an eval-mode BatchNorm with running statistics from 3 batches."""
    make_layer, bn_cls, shape, _ = LAYERS[name]
    torch.manual_seed(0)
    layer = make_layer(bias).to(TORCH_DTYPE[dtype])
    bn = bn_cls(5 if "groups" not in name else 6, affine=affine,
                dtype=TORCH_DTYPE[dtype], momentum=0.5)
    if affine:
        with torch.no_grad():
            bn.weight.uniform_(0.5, 2.0)
            bn.bias.normal_()
    with torch.no_grad():
        for step in range(3):
            bn(layer(tt(data(shape, dtype, seed=step, loc=step))))
    return layer.eval(), bn.eval(), shape


def numpy_args(layer, bn):
    """The fusion arguments as NumPy arrays (None stays None)."""
    def a(t):
        return None if t is None else t.detach().numpy().copy()
    return (a(layer.weight), a(layer.bias), a(bn.running_mean), a(bn.running_var),
            bn.eps, a(bn.weight), a(bn.bias))


def fused_layer(layer, weight, bias):
    fused = type(layer)(**_constructor_args(layer)).to(layer.weight.dtype)
    with torch.no_grad():
        fused.weight.copy_(tt(weight))
        fused.bias.copy_(tt(bias))
    return fused.eval()


def _constructor_args(layer):
    if isinstance(layer, torch.nn.Linear):
        return dict(in_features=layer.in_features, out_features=layer.out_features)
    return dict(in_channels=layer.in_channels, out_channels=layer.out_channels,
                kernel_size=layer.kernel_size, stride=layer.stride,
                padding=layer.padding, groups=layer.groups)


# torch's fuse_linear_bn_weights needs bn_w and bn_b: no Linear with affine=False
FUSE_CASES = [(name, affine) for name in LAYERS for affine in (True, False)
              if affine or name != "Linear"]


@pytest.mark.parametrize("name,affine", FUSE_CASES,
                         ids=[f"{n}-{'affine' if a else 'plain'}"
                              for n, a in FUSE_CASES])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no-bias"])
@dtypes
def test_fused_layer_equals_layer_then_eval_batch_norm(name, affine, bias, dtype):
    layer, bn, shape = trained_pair(name, bias, affine, dtype)
    args = numpy_args(layer, bn)
    transpose = LAYERS[name][3]
    if name == "Linear":
        weight, fused_bias = fuse_linear_bn_weights(*args)
        expected_w, expected_b = fusion.fuse_linear_bn_weights(
            layer.weight, layer.bias, bn.running_mean, bn.running_var, bn.eps,
            bn.weight, bn.bias)
    else:
        weight, fused_bias = fuse_conv_bn_weights(*args, transpose=transpose)
        expected_w, expected_b = fusion.fuse_conv_bn_weights(
            layer.weight, layer.bias, bn.running_mean, bn.running_var, bn.eps,
            bn.weight, bn.bias, transpose=transpose)
    assert weight.dtype == fused_bias.dtype == dtype
    close(weight, expected_w)
    close(fused_bias, expected_b)
    # one layer with the fused parameters does what the two layers do
    x = tt(data(shape, dtype, seed=7, loc=-1.0))
    with torch.no_grad():
        close(fused_layer(layer, weight, fused_bias)(x).numpy(), bn(layer(x)))


def test_fused_conv_is_not_the_unfused_conv():
    """Guards the test above: the BatchNorm here is far from the identity."""
    layer, bn, shape = trained_pair("Conv2d", True, True, np.float64)
    x = tt(data(shape, seed=7))
    with torch.no_grad():
        assert not np.allclose(layer(x).numpy(), bn(layer(x)).numpy(), atol=0.1)


def test_linear_without_bn_weight_fails_like_torch():
    layer, bn, _ = trained_pair("Linear", True, False, np.float64)
    with pytest.raises(TypeError):
        fusion.fuse_linear_bn_weights(layer.weight, layer.bias, bn.running_mean,
                                      bn.running_var, bn.eps, None, None)
    with pytest.raises(TypeError):
        fuse_linear_bn_weights(*numpy_args(layer, bn))


def test_torch_refuses_to_fuse_in_training():
    layer, bn, _ = trained_pair("Conv2d", True, True, np.float64)
    with pytest.raises(AssertionError, match="eval"):
        fusion.fuse_conv_bn_eval(layer, bn.train())


# --- a conv bias before BatchNorm is redundant ----------------------------------------

@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5, 6)], ids=["NC", "NCHW"])
def test_bias_before_batch_norm_changes_nothing(shape):
    z = data(shape)
    conv_b = np.array([5.0, -3.0, 40.0])
    with_bias, without = bias_before_batch_norm(z, conv_b)
    np.testing.assert_allclose(with_bias, without, rtol=0, atol=1e-12)
    # and torch's BatchNorm agrees
    bshape = (1, -1) + (1,) * (len(shape) - 2)
    expected = F.batch_norm(tt(z + conv_b.reshape(bshape)), None, None,
                            training=True)
    close(with_bias, expected)


def test_conv_bias_before_train_batch_norm_has_no_effect_and_no_gradient():
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(3, 4, 3, dtype=torch.float64)
    with torch.no_grad():
        conv.bias.copy_(torch.tensor([2.0, -1.0, 7.0, 0.5]))
    no_bias = torch.nn.Conv2d(3, 4, 3, bias=False, dtype=torch.float64)
    with torch.no_grad():
        no_bias.weight.copy_(conv.weight)
    bn_a = torch.nn.BatchNorm2d(4, dtype=torch.float64)
    bn_b = torch.nn.BatchNorm2d(4, dtype=torch.float64)
    x = tt(data((4, 3, 6, 6)))
    y = bn_a(conv(x))
    close(y.detach().numpy(), bn_b(no_bias(x)))
    dy = tt(data((4, 4, 4, 4), seed=3))
    y.backward(dy)
    # ∂L/∂b = Σ ∂L/∂z, and BatchNorm's Σ dx = 0 per channel
    np.testing.assert_allclose(conv.bias.grad.numpy(), 0, atol=1e-12)
    assert conv.weight.grad.abs().max() > 1e-2
    # the bias shows only in running_mean, shifted by momentum · b
    close(bn_a.running_mean.numpy() - bn_b.running_mean.numpy(),
          bn_a.momentum * conv.bias.detach().numpy())


# --- folding into the following conv: wrong at zero-padded borders --------------------

def bn_then_conv(padding):
    """Eval BatchNorm2d(3) with non-trivial statistics, then Conv2d(3, 4, 3)."""
    torch.manual_seed(1)
    bn = torch.nn.BatchNorm2d(3, dtype=torch.float64, momentum=1.0)
    with torch.no_grad():
        bn.weight.uniform_(0.5, 2.0)
        bn.bias.normal_()
        bn(tt(data((8, 3, 5, 5), loc=4.0)))          # μ ≈ 4..6, so c = β − a·μ ≠ 0
    conv = torch.nn.Conv2d(3, 4, 3, padding=padding, dtype=torch.float64)
    return bn.eval(), conv


def fold(bn, conv):
    def a(t):
        return t.detach().numpy()
    weight, bias = fold_bn_into_next_conv(a(conv.weight), a(conv.bias),
                                          a(bn.running_mean), a(bn.running_var),
                                          bn.eps, a(bn.weight), a(bn.bias))
    return tt(weight), tt(bias)


def test_folding_into_next_conv_is_exact_without_padding():
    bn, conv = bn_then_conv(padding=0)
    weight, bias = fold(bn, conv)
    x = tt(data((2, 3, 7, 6), seed=5))
    with torch.no_grad():
        close(F.conv2d(x, weight, bias).numpy(), conv(bn(x)))


def test_folding_into_next_conv_is_wrong_at_padded_borders():
    bn, conv = bn_then_conv(padding=1)
    weight, bias = fold(bn, conv)
    x = tt(data((2, 3, 7, 6), seed=5))
    with torch.no_grad():
        expected = conv(bn(x)).numpy()
        folded = F.conv2d(x, weight, bias, padding=1).numpy()
    interior = (slice(None), slice(None), slice(1, -1), slice(1, -1))
    close(folded[interior], expected[interior])
    border = np.ones(expected.shape[2:], bool)
    border[1:-1, 1:-1] = False
    difference = (folded - expected)[..., border]
    assert np.abs(difference).min() > 1e-3           # every border pixel is off
    # by exactly what the padding ring would hold after BatchNorm: c = β − a·μ
    a = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    c = (bn.bias - a * bn.running_mean).detach()
    ring = torch.ones(1, 3, 9, 8, dtype=torch.float64) * c.reshape(1, 3, 1, 1)
    ring[..., 1:-1, 1:-1] = 0
    with torch.no_grad():
        predicted = F.conv2d(ring, conv.weight).numpy()
    close(difference, np.broadcast_to(predicted, folded.shape)[..., border])
