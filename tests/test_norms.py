"""snippets/norms.py against torch.nn.functional 2.13 (CPU): layer_norm, group_norm,
instance_norm, rms_norm; their identities; the table of reduced axes; errors.

Expected values come from torch or from float64 statistics computed here; none is
copied from the code under test. Data and comparison helpers are
``tests/test_batch_norm.py``'s.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from snippets.norms import (
    REDUCED_AXES,
    group_norm,
    instance_norm,
    layer_norm,
    rms_norm,
    statistics_mask,
)
from test_batch_norm import (  # noqa: F401 - one_torch_thread: an autouse fixture
    channels_last,
    close,
    data,
    f64,
    one_torch_thread,
    torch_message,
    tt,
)

# (N, C), (N, C, L), (N, C, H, W), (N, C, D, H, W); C = 6 has groups of 1, 2, 3, 6
SHAPES = [(8, 6), (5, 6, 7), (4, 6, 5, 3), (3, 6, 4, 3, 2)]
SHAPE_IDS = ["NC", "NCL", "NCHW", "NCDHW"]
DTYPES = [np.float64, np.float32]

shapes = pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
spatial_shapes = pytest.mark.parametrize("shape", SHAPES[1:], ids=SHAPE_IDS[1:])
dtypes = pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
affine = pytest.mark.parametrize("affine", [True, False], ids=["affine", "plain"])


def normalized_shapes(shape):
    """Every choice of trailing axes but the batch axis: (W,), (H, W), (C, H, W)."""
    return [shape[k:] for k in range(len(shape) - 1, 0, -1)]


LAYER_CASES = [(s, ns) for s in SHAPES for ns in normalized_shapes(s)]
layer_cases = pytest.mark.parametrize("shape,normalized_shape", LAYER_CASES,
                                      ids=[f"{s}-{ns}" for s, ns in LAYER_CASES])


def uniform(shape, dtype, seed, low=0.5, high=2.0):
    return np.random.default_rng(seed).uniform(low, high, shape).astype(dtype)


def normal(shape, dtype, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# --- conformance: each mirror against torch.nn.functional ---------------------------

@layer_cases
@dtypes
@affine
def test_layer_norm(shape, normalized_shape, dtype, affine):
    x = data(shape, dtype)
    weight = uniform(normalized_shape, dtype, 1) if affine else None
    bias = normal(normalized_shape, dtype, 2) if affine else None
    expected = F.layer_norm(tt(x), normalized_shape, tt(weight), tt(bias))
    y = layer_norm(x, normalized_shape, weight, bias)
    assert y.dtype == dtype
    close(y, expected)


# (N, C) with C groups has one value per group: see test_one_value_per_group
GROUP_CASES = [(s, g) for s in SHAPES for g in (1, 2, 3, 6) if (s, g) != ((8, 6), 6)]


@pytest.mark.parametrize("shape,num_groups", GROUP_CASES,
                         ids=[f"{s}-G{g}" for s, g in GROUP_CASES])
@dtypes
@affine
def test_group_norm(shape, dtype, affine, num_groups):
    x = data(shape, dtype)
    weight = uniform(shape[1], dtype, 1) if affine else None
    bias = normal(shape[1], dtype, 2) if affine else None
    expected = F.group_norm(tt(x), num_groups, tt(weight), tt(bias))
    y = group_norm(x, num_groups, weight, bias)
    assert y.dtype == dtype
    close(y, expected)


def test_one_value_per_group():
    """x̂ = 0 and y = β exactly. torch's float32 kernel computes x·s − μ·s with
    s = γ/√ε ≈ 316, whose rounding shows at 1e-4: compare in float64 only."""
    x = data((8, 6))
    weight, bias = uniform(6, np.float64, 1), normal(6, np.float64, 2)
    y = group_norm(x, 6, weight, bias)
    np.testing.assert_array_equal(y, np.broadcast_to(bias, x.shape))
    close(y, F.group_norm(tt(x), 6, tt(weight), tt(bias)))


@spatial_shapes
@dtypes
@affine
@pytest.mark.parametrize("momentum", [0.1, 0.5])
def test_instance_norm_with_running_stats(shape, dtype, affine, momentum):
    weight = uniform(shape[1], dtype, 1) if affine else None
    bias = normal(shape[1], dtype, 2) if affine else None
    running_mean, running_var = normal(6, dtype, 3), uniform(6, dtype, 4)
    trm, trv = tt(running_mean), tt(running_var)
    for step in range(3):                        # the buffers move step by step
        x = data(shape, dtype, seed=step, loc=2.0 * step)
        expected = F.instance_norm(tt(x), trm, trv, tt(weight), tt(bias),
                                   momentum=momentum)
        y = instance_norm(x, running_mean, running_var, weight, bias,
                          momentum=momentum)
        assert y.dtype == dtype
        close(y, expected)
        close(running_mean, trm)
        close(running_var, trv)
    # and then normalise with them, leaving them alone
    before = running_mean.copy(), running_var.copy()
    x = data(shape, dtype, seed=9, loc=-1.0)
    expected = F.instance_norm(tt(x), trm, trv, tt(weight), tt(bias),
                               use_input_stats=False)
    close(instance_norm(x, running_mean, running_var, weight, bias,
                        use_input_stats=False), expected)
    np.testing.assert_array_equal(running_mean, before[0])
    np.testing.assert_array_equal(running_var, before[1])


@spatial_shapes
@dtypes
@affine
def test_instance_norm_without_buffers(shape, dtype, affine):
    x = data(shape, dtype)
    weight = uniform(shape[1], dtype, 1) if affine else None
    bias = normal(shape[1], dtype, 2) if affine else None
    expected = F.instance_norm(tt(x), weight=tt(weight), bias=tt(bias))
    close(instance_norm(x, weight=weight, bias=bias), expected)


def test_instance_norm_running_stats_are_batch_averages():
    """Against float64 statistics: mean over n of μ_nc and of L/(L−1)·σ²_nc."""
    x = data((5, 3, 4, 6), loc=4.0)
    running_mean, running_var = np.zeros(3), np.ones(3)
    instance_norm(x, running_mean, running_var, momentum=0.25)
    np.testing.assert_allclose(running_mean,
                               0.25 * x.mean(axis=(2, 3)).mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(running_var,
                               0.75 + 0.25 * x.var(axis=(2, 3), ddof=1).mean(axis=0),
                               rtol=1e-12)


@layer_cases
@dtypes
@pytest.mark.parametrize("use_weight", [True, False], ids=["weight", "plain"])
@pytest.mark.parametrize("eps", [None, 1e-3])
def test_rms_norm(shape, normalized_shape, dtype, use_weight, eps):
    x = data(shape, dtype)
    weight = uniform(normalized_shape, dtype, 1) if use_weight else None
    expected = F.rms_norm(tt(x), normalized_shape, tt(weight), eps)
    y = rms_norm(x, normalized_shape, weight, eps)
    assert y.dtype == dtype
    close(y, expected)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_rms_norm_default_eps(dtype):
    """eps=None: finfo(float32).eps for float16 input (torch 2.13 CPU), else finfo."""
    # mean(x²) ≈ 1e-7 ≈ float32's eps, so the default eps shows in the output
    x = data((4, 3, 8), dtype, loc=0.0, scale=3e-4)
    expected = F.rms_norm(tt(x), (8,))
    close(rms_norm(x, (8,)), expected)
    x64 = x.astype(np.float64)
    mean_square = (x64**2).mean(axis=-1, keepdims=True)
    for eps in (np.finfo(np.float32).eps, np.finfo(dtype).eps):
        by_formula = x64 / np.sqrt(mean_square + eps)
        matches = np.allclose(by_formula, expected.double().numpy(), rtol=1e-2)
        assert matches == (eps == np.finfo(np.promote_types(dtype, np.float32)).eps)


# --- float16 and mixed precision -----------------------------------------------------

def float16_cases():
    """(name, our call, torch's call) for each mirror on the same float16 data."""
    x = data((4, 6, 5), np.float16)
    w32, b32 = uniform(6, np.float32, 1), normal(6, np.float32, 2)
    w16, b16 = w32.astype(np.float16), b32.astype(np.float16)
    lw, lb = uniform((6, 5), np.float32, 3), normal((6, 5), np.float32, 4)
    rm, rv = normal(6, np.float32, 5), uniform(6, np.float32, 6)
    trm, trv = tt(rm), tt(rv)
    return [
        ("layer_norm f32 params", lambda: layer_norm(x, (6, 5), lw, lb),
         lambda: F.layer_norm(tt(x), (6, 5), tt(lw), tt(lb))),
        ("group_norm f16 params", lambda: group_norm(x, 3, w16, b16),
         lambda: F.group_norm(tt(x), 3, tt(w16), tt(b16))),
        ("group_norm f32 params", lambda: group_norm(x, 2, w32, b32),
         lambda: F.group_norm(tt(x), 2, tt(w32), tt(b32))),
        ("instance_norm f32 buffers", lambda: instance_norm(x, rm, rv, w32, b32),
         lambda: F.instance_norm(tt(x), trm, trv, tt(w32), tt(b32))),
        ("rms_norm", lambda: rms_norm(x, (5,)), lambda: F.rms_norm(tt(x), (5,))),
    ]


@pytest.mark.filterwarnings("ignore:Mismatch dtype")
@pytest.mark.parametrize("case", float16_cases(), ids=lambda c: c[0])
def test_float16(case):
    _, ours, theirs = case
    y = ours()
    assert y.dtype == np.float16
    close(y, theirs())


def test_float16_instance_norm_buffers_stay_float32():
    x = data((4, 6, 5), np.float16)
    rm, rv = np.zeros(6, np.float32), np.ones(6, np.float32)
    trm, trv = tt(rm), tt(rv)
    F.instance_norm(tt(x), trm, trv)
    instance_norm(x, rm, rv)
    assert rm.dtype == rv.dtype == np.float32
    np.testing.assert_allclose(rm, trm.numpy(), rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(rv, trv.numpy(), rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("loc", [1e3, 1e4])
def test_float32_large_mean_stays_accurate(loc):
    """Two-pass statistics: float32 keeps its precision where E[x²] − E[x]² fails."""
    x = data((4, 6, 64), np.float32, loc=loc, scale=1.0)
    x64 = x.astype(np.float64)
    axes = (1, 2)
    exact = ((x64 - x64.mean(axis=axes, keepdims=True))
             / np.sqrt(x64.var(axis=axes, keepdims=True) + 1e-5))
    atol = 4 * loc * np.finfo(np.float32).eps    # x − μ rounds at |x| ≈ loc
    np.testing.assert_allclose(group_norm(x, 1), exact, rtol=0, atol=atol)
    np.testing.assert_allclose(layer_norm(x, (6, 64)), exact, rtol=0, atol=atol)


# --- memory layouts and empty inputs --------------------------------------------------

@pytest.mark.parametrize("shape", SHAPES[2:], ids=SHAPE_IDS[2:])
def test_channels_last_input(shape):
    x = channels_last(data(shape))
    assert not x.flags.c_contiguous
    memory_format = torch.channels_last if x.ndim == 4 else torch.channels_last_3d
    tx = tt(x).to(memory_format=memory_format)
    close(group_norm(x, 3), F.group_norm(tx, 3))
    close(instance_norm(x), F.instance_norm(tx))
    close(layer_norm(x, shape[2:]), F.layer_norm(tx, shape[2:]))
    close(rms_norm(x, shape[1:]), F.rms_norm(tx, shape[1:]))


@pytest.mark.parametrize("shape", [(0, 6, 3), (2, 6, 0), (0, 6, 0)], ids=str)
def test_empty_input(shape):
    x = np.zeros(shape)
    assert group_norm(x, 3).shape == tuple(F.group_norm(tt(x), 3).shape)
    assert layer_norm(x, shape[1:]).shape == shape
    assert rms_norm(x, shape[1:]).shape == shape
    rm, rv = f64(6), f64(6)
    trm, trv = tt(rm), tt(rv)
    expected = F.instance_norm(tt(x), trm, trv)
    assert instance_norm(x, rm, rv).shape == tuple(expected.shape)
    # no samples: torch averages nothing and the buffers become nan; no positions
    # (but samples): they stay as they were
    assert np.isnan(rm).all() == (shape[0] == 0)
    np.testing.assert_array_equal(rm, trm.numpy())
    np.testing.assert_array_equal(rv, trv.numpy())


# --- identities -----------------------------------------------------------------------

@shapes
@affine
def test_group_norm_with_one_group_is_layer_norm(shape, affine):
    """GroupNorm(1) = LayerNorm over (C, *) with γ_c, β_c repeated along (*)."""
    x = data(shape)
    weight = uniform(shape[1], np.float64, 1) if affine else None
    bias = normal(shape[1], np.float64, 2) if affine else None
    per_element = shape[1:]
    lw = None if weight is None else np.broadcast_to(
        weight.reshape((-1,) + (1,) * (len(shape) - 2)), per_element)
    lb = None if bias is None else np.broadcast_to(
        bias.reshape((-1,) + (1,) * (len(shape) - 2)), per_element)
    y = group_norm(x, 1, weight, bias)
    close(y, layer_norm(x, per_element, lw, lb))
    # torch agrees with itself, and with us
    expected = F.layer_norm(tt(x), per_element, tt(lw), tt(lb))
    close(F.group_norm(tt(x), 1, tt(weight), tt(bias)).numpy(), expected)
    close(y, expected)


@spatial_shapes
@affine
def test_group_norm_with_c_groups_is_instance_norm(shape, affine):
    x = data(shape)
    weight = uniform(shape[1], np.float64, 1) if affine else None
    bias = normal(shape[1], np.float64, 2) if affine else None
    y = group_norm(x, shape[1], weight, bias)
    close(y, instance_norm(x, weight=weight, bias=bias))
    expected = F.instance_norm(tt(x), weight=tt(weight), bias=tt(bias))
    close(F.group_norm(tt(x), shape[1], tt(weight), tt(bias)).numpy(), expected)
    close(y, expected)


@layer_cases
def test_rms_norm_of_centred_input_is_layer_norm(shape, normalized_shape):
    """RMSNorm = LayerNorm without the mean: equal once x has mean 0 per sample."""
    x = data(shape)
    axes = tuple(range(len(shape) - len(normalized_shape), len(shape)))
    centred = x - x.mean(axis=axes, keepdims=True)
    close(rms_norm(centred, normalized_shape, eps=1e-5),
          F.layer_norm(tt(centred), normalized_shape))


# --- the table of reduced axes --------------------------------------------------------

def torch_normalised(norm, x, num_groups):
    """torch's x̂ (no affine) for an (N, C, H, W) x under each entry of the table."""
    tx = tt(x)
    return {
        "BatchNorm": lambda: F.batch_norm(tx, None, None, training=True),
        "LayerNorm": lambda: F.layer_norm(tx, x.shape[1:]),
        "InstanceNorm": lambda: F.instance_norm(tx),
        "GroupNorm": lambda: F.group_norm(tx, num_groups),
        "RMSNorm": lambda: F.rms_norm(tx, x.shape[1:], eps=1e-5),
    }[norm]().numpy()


@pytest.mark.parametrize("norm", REDUCED_AXES)
def test_statistics_mask_gives_torch_output_at_every_element(norm):
    """x̂ at each element, from the mean and variance of its mask, equals torch."""
    x = data((2, 4, 3, 3))
    num_groups = 2
    expected = torch_normalised(norm, x, num_groups)
    for index in np.ndindex(x.shape):
        values = x[statistics_mask(norm, x.shape, index, num_groups)]
        if norm == "RMSNorm":
            x_hat = x[index] / np.sqrt(np.mean(values**2) + 1e-5)
        else:
            x_hat = (x[index] - values.mean()) / np.sqrt(values.var() + 1e-5)
        np.testing.assert_allclose(x_hat, expected[index], rtol=1e-10, atol=1e-12)


def test_statistics_mask_sizes():
    """How many values share one statistic, for N, C, H, W = 2, 4, 3, 5, G = 2."""
    shape = (2, 4, 3, 5)
    sizes = {norm: int(statistics_mask(norm, shape, (1, 3, 2, 4), 2).sum())
             for norm in REDUCED_AXES}
    assert sizes == {"BatchNorm": 2 * 3 * 5, "LayerNorm": 4 * 3 * 5,
                     "InstanceNorm": 3 * 5, "GroupNorm": 2 * 3 * 5,
                     "RMSNorm": 4 * 3 * 5}


# --- errors: the same exception as torch ----------------------------------------------

X = f64(2, 6, 4, 5)
ERRORS = {
    "layer_norm trailing dims": (lambda m: m.layer_norm(X, (4,))),
    "layer_norm trailing dims reversed": (lambda m: m.layer_norm(X, (5, 4))),
    "layer_norm longer than input": (lambda m: m.layer_norm(X, (1, 2, 6, 4, 5))),
    "layer_norm int": (lambda m: m.layer_norm(X, 5)),
    "layer_norm empty": (lambda m: m.layer_norm(X, ())),
    "layer_norm weight shape": (lambda m: m.layer_norm(X, (4, 5), f64(5))),
    "layer_norm weight flat": (lambda m: m.layer_norm(X, (4, 5), f64(20))),
    "layer_norm bias shape": (lambda m: m.layer_norm(X, (4, 5), None, f64(4, 5, 1))),
    "layer_norm integer": (lambda m: m.layer_norm(X.astype(np.int64), (5,))),
    "layer_norm f32 input f64 weight": (
        lambda m: m.layer_norm(X.astype(np.float32), (5,), f64(5))),
    "group_norm not dividing": (lambda m: m.group_norm(X, 4)),
    "group_norm 1d input": (lambda m: m.group_norm(X[0, 0, 0], 1)),
    "group_norm one value per group": (lambda m: m.group_norm(f64(1, 6), 6)),
    "group_norm one value, not dividing": (lambda m: m.group_norm(f64(1, 6), 4)),
    "group_norm weight size": (lambda m: m.group_norm(X, 3, f64(5))),
    "group_norm weight 2d": (lambda m: m.group_norm(X, 3, f64(6, 1))),
    "group_norm bias size": (lambda m: m.group_norm(X, 3, None, f64(2))),
    "group_norm integer": (lambda m: m.group_norm(X.astype(np.int64), 3)),
    "group_norm f32 input f64 weight": (
        lambda m: m.group_norm(X.astype(np.float32), 3, f64(6))),
    "instance_norm NC": (lambda m: m.instance_norm(X[:, :, 0, 0])),
    "instance_norm one position": (lambda m: m.instance_norm(f64(2, 3, 1, 1))),
    "instance_norm running_mean alone": (lambda m: m.instance_norm(X, f64(6))),
    "instance_norm no buffers, no input stats": (
        lambda m: m.instance_norm(X, use_input_stats=False)),
    "instance_norm running_mean size": (lambda m: m.instance_norm(X, f64(5), f64(5))),
    "instance_norm running_var size": (lambda m: m.instance_norm(X, f64(6), f64(5))),
    "instance_norm weight size": (lambda m: m.instance_norm(X, weight=f64(5))),
    "instance_norm integer": (lambda m: m.instance_norm(X.astype(np.int64))),
    "instance_norm f32 input f64 weight": (
        lambda m: m.instance_norm(X.astype(np.float32), weight=f64(6))),
    "rms_norm trailing dims": (lambda m: m.rms_norm(X, (4,))),
    "rms_norm longer than input": (lambda m: m.rms_norm(X, (1, 2, 6, 4, 5))),
    "rms_norm int": (lambda m: m.rms_norm(X, 5)),
    "rms_norm empty": (lambda m: m.rms_norm(X, ())),
    "rms_norm weight shape": (lambda m: m.rms_norm(X, (4, 5), f64(20))),
    "rms_norm integer": (lambda m: m.rms_norm(X.astype(np.int64), (5,))),
}


class _Torch:
    """torch.nn.functional with NumPy arguments, so one lambda serves both sides."""

    def __getattr__(self, name):
        def call(*args, **kwargs):
            args = [tt(a) if isinstance(a, np.ndarray) else a for a in args]
            kwargs = {k: tt(v) if isinstance(v, np.ndarray) else v
                      for k, v in kwargs.items()}
            return getattr(F, name)(*args, **kwargs)
        return call


class _Ours:
    layer_norm = staticmethod(layer_norm)
    group_norm = staticmethod(group_norm)
    instance_norm = staticmethod(instance_norm)
    rms_norm = staticmethod(rms_norm)


# cases whose message is not compared, and why
LOOSE_MESSAGES = {
    "group_norm bias size": "torch prints 'bias of shape [0]' whatever the shape",
}


@pytest.mark.parametrize("name,case", ERRORS.items(), ids=ERRORS.keys())
def test_raises_what_torch_raises(name, case):
    with pytest.raises(Exception) as theirs:
        case(_Torch())
    with pytest.raises(theirs.type) as ours:
        case(_Ours())
    assert type(ours.value) is theirs.type
    if "mixed dtype" not in str(theirs.value) and name not in LOOSE_MESSAGES:
        # the messages are torch's, with NumPy's names for shapes and dtypes (and
        # the layer_norm wording of rms_norm's "[*4]")
        expected = torch_message(theirs.value).replace("'Long'", "int64")
        expected = expected.replace("[*5", "[*, 5").replace("[*4]", "[*, 4]")
        assert str(ours.value) == expected


# --- properties -----------------------------------------------------------------------

SETTINGS = settings(max_examples=30, deadline=None)


@st.composite
def cases(draw):
    """(N, C, *) with C a multiple of the drawn number of groups."""
    num_groups = draw(st.integers(1, 4))
    ndim = draw(st.integers(3, 5))
    shape = (draw(st.integers(1, 4)), num_groups * draw(st.integers(1, 3)))
    shape += tuple(draw(st.integers(1, 4)) for _ in range(ndim - 2))
    if shape[0] * shape[1] // num_groups * int(np.prod(shape[2:])) == 1:
        shape = (2,) + shape[1:]
    return shape, num_groups


@SETTINGS
@given(case=cases(), seed=st.integers(0, 2**32 - 1), loc=st.floats(-100, 100),
       scale=st.floats(0.01, 100), eps=st.floats(1e-6, 1.0), k=st.integers(1, 4))
def test_random_cases_match_torch(case, seed, loc, scale, eps, k):
    shape, num_groups = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * scale + loc
    weight, bias = rng.uniform(0.5, 2, shape[1]), rng.standard_normal(shape[1])
    tol = dict(rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(
        group_norm(x, num_groups, weight, bias, eps),
        F.group_norm(tt(x), num_groups, tt(weight), tt(bias), eps).numpy(), **tol)
    normalized_shape = shape[max(1, len(shape) - k):]
    lw = rng.uniform(0.5, 2, normalized_shape)
    np.testing.assert_allclose(
        layer_norm(x, normalized_shape, lw, None, eps),
        F.layer_norm(tt(x), normalized_shape, tt(lw), None, eps).numpy(), **tol)
    np.testing.assert_allclose(
        rms_norm(x, normalized_shape, lw, eps),
        F.rms_norm(tt(x), normalized_shape, tt(lw), eps).numpy(), **tol)
    if np.prod(shape[2:]) > 1:
        rm, rv = rng.standard_normal(shape[1]), rng.uniform(0.5, 2, shape[1])
        trm, trv = tt(rm), tt(rv)
        np.testing.assert_allclose(
            instance_norm(x, rm, rv, weight, bias, momentum=0.3, eps=eps),
            F.instance_norm(tt(x), trm, trv, tt(weight), tt(bias), momentum=0.3,
                            eps=eps).numpy(), **tol)
        np.testing.assert_allclose(rm, trm.numpy(), **tol)
        np.testing.assert_allclose(rv, trv.numpy(), **tol)


@SETTINGS
@given(case=cases(), seed=st.integers(0, 2**32 - 1), loc=st.floats(-100, 100),
       scale=st.floats(0.01, 100), eps=st.floats(1e-6, 1.0))
def test_each_group_has_mean_zero_and_shrunk_variance(case, seed, loc, scale, eps):
    """Per (sample, group): mean(y) = 0 and var(y) = σ²/(σ² + ε), with γ = 1, β = 0."""
    shape, num_groups = case
    x = np.random.default_rng(seed).standard_normal(shape) * scale + loc
    rows = x.reshape(shape[0], num_groups, -1)
    y = group_norm(x, num_groups, eps=eps).reshape(rows.shape)
    sigma2 = rows.var(axis=2)
    # x − μ is rounded relative to |x|: |x|/σ times larger than x̂ itself
    cond = 1 + np.abs(rows).max(axis=2) / np.sqrt(sigma2 + eps)
    np.testing.assert_array_less(np.abs(y.mean(axis=2)),
                                 16 * np.finfo(np.float64).eps * cond)
    np.testing.assert_allclose(y.var(axis=2), sigma2 / (sigma2 + eps),
                               rtol=1e-9, atol=1e-12)
