"""snippets/batch_norm.py against torch 2.13 (CPU): outputs, buffers, errors, gradients.

Every expected value comes from torch, from float64 statistics computed here with
``np.mean``/``np.var``, or from finite differences; none is copied from the code
under test.
"""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from snippets.batch_norm import (
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    batch_norm,
    batch_norm_backward,
)

# (N, C), (N, C, L), (N, C, H, W), (N, C, D, H, W)
SHAPES = [(8, 3), (5, 3, 7), (4, 3, 5, 6), (3, 3, 4, 5, 2)]
SHAPE_IDS = ["NC", "NCL", "NCHW", "NCDHW"]
DTYPES = [np.float64, np.float32]
# facts.md: tolerances that held against torch
TOL = {
    np.dtype(np.float64): dict(rtol=1e-10, atol=1e-12),
    np.dtype(np.float32): dict(rtol=1e-5, atol=1e-5),
    np.dtype(np.float16): dict(rtol=1e-2, atol=1e-2),
}
MODULES = {  # input rank -> (ours, torch's)
    2: (BatchNorm1d, torch.nn.BatchNorm1d),
    3: (BatchNorm1d, torch.nn.BatchNorm1d),
    4: (BatchNorm2d, torch.nn.BatchNorm2d),
    5: (BatchNorm3d, torch.nn.BatchNorm3d),
}
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32,
               np.float16: torch.float16}


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Tiny tensors: torch's thread pool only adds overhead (measured 3x slower)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)

shapes = pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
dtypes = pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])


def data(shape, dtype=np.float64, seed=0, loc=3.0, scale=2.0):
    """Random input whose channels have different means and spreads."""
    rng = np.random.default_rng(seed)
    c = shape[1]
    bshape = (1, c) + (1,) * (len(shape) - 2)
    locs = (loc + np.arange(c)).reshape(bshape)
    scales = (scale * (1 + 0.5 * np.arange(c))).reshape(bshape)
    return (rng.standard_normal(shape) * scales + locs).astype(dtype)


def params(c, dtype=np.float64, seed=1):
    """weight, bias, running_mean, running_var."""
    rng = np.random.default_rng(seed)
    weight = rng.uniform(0.5, 2.0, c)
    bias = rng.standard_normal(c)
    running_mean = rng.standard_normal(c)
    running_var = rng.uniform(0.5, 2.0, c)
    return [a.astype(dtype) for a in (weight, bias, running_mean, running_var)]


def tt(a):
    """A torch tensor with its own copy of ``a`` (None stays None)."""
    return None if a is None else torch.from_numpy(np.array(a, copy=True))


def close(ours, theirs, dtype=None):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    tol = TOL[np.dtype(dtype or ours.dtype)]
    np.testing.assert_allclose(ours, theirs, **tol)


def ours_and_torch_modules(ndim, dtype, **kwargs):
    ours_cls, torch_cls = MODULES[ndim]
    ours = ours_cls(3, dtype=dtype, **kwargs)
    theirs = torch_cls(3, dtype=TORCH_DTYPE[dtype], **kwargs)
    # the same non-trivial γ, β in both
    w, b, _, _ = params(3, dtype, seed=7)
    with torch.no_grad():
        if ours.weight is not None:
            ours.weight[:] = w
            theirs.weight.copy_(tt(w))
        if ours.bias is not None:
            ours.bias[:] = b
            theirs.bias.copy_(tt(b))
    return ours, theirs


def check_buffers(ours, theirs):
    if theirs.running_mean is None:
        assert ours.running_mean is None and ours.running_var is None
        assert ours.num_batches_tracked is None
        return
    close(ours.running_mean, theirs.running_mean)
    close(ours.running_var, theirs.running_var)
    assert ours.num_batches_tracked == int(theirs.num_batches_tracked)


# --- functional forward ------------------------------------------------------------

@shapes
@dtypes
@pytest.mark.parametrize("momentum", [0.1, 0.5])
def test_train_output_and_running_buffers(shape, dtype, momentum):
    x = data(shape, dtype)
    weight, bias, running_mean, running_var = params(shape[1], dtype)
    trm, trv = tt(running_mean), tt(running_var)
    expected = F.batch_norm(tt(x), trm, trv, tt(weight), tt(bias),
                            training=True, momentum=momentum)
    y = batch_norm(x, running_mean, running_var, weight, bias,
                   training=True, momentum=momentum)
    close(y, expected)
    close(running_mean, trm)
    close(running_var, trv)


@shapes
@dtypes
def test_eval_output_uses_and_keeps_buffers(shape, dtype):
    x = data(shape, dtype)
    weight, bias, running_mean, running_var = params(shape[1], dtype)
    before = running_mean.copy(), running_var.copy()
    expected = F.batch_norm(tt(x), tt(running_mean), tt(running_var), tt(weight),
                            tt(bias), training=False)
    y = batch_norm(x, running_mean, running_var, weight, bias, training=False)
    close(y, expected)
    np.testing.assert_array_equal(running_mean, before[0])
    np.testing.assert_array_equal(running_var, before[1])


@shapes
@dtypes
def test_eval_is_not_the_batch_normalisation(shape, dtype):
    """Guards the test above: with these buffers, eval ≠ train on the same input."""
    x = data(shape, dtype)
    weight, bias, running_mean, running_var = params(shape[1], dtype)
    y_eval = batch_norm(x, running_mean, running_var, weight, bias, training=False)
    y_train = F.batch_norm(tt(x), None, None, tt(weight), tt(bias), training=True)
    assert not np.allclose(y_eval, y_train.numpy(), atol=1e-2)


@shapes
@dtypes
def test_train_without_buffers(shape, dtype):
    x = data(shape, dtype)
    weight, bias, _, _ = params(shape[1], dtype)
    expected = F.batch_norm(tt(x), None, None, tt(weight), tt(bias), training=True)
    close(batch_norm(x, None, None, weight, bias, training=True), expected)


@pytest.mark.parametrize("use_weight,use_bias",
                         [(True, False), (False, True), (False, False)])
@pytest.mark.parametrize("training", [True, False])
@dtypes
def test_weight_or_bias_missing(use_weight, use_bias, training, dtype):
    x = data((6, 3, 4), dtype)
    weight, bias, running_mean, running_var = params(3, dtype)
    weight = weight if use_weight else None
    bias = bias if use_bias else None
    expected = F.batch_norm(tt(x), tt(running_mean), tt(running_var), tt(weight),
                            tt(bias), training=training)
    y = batch_norm(x, running_mean, running_var, weight, bias, training=training)
    close(y, expected)


def test_eval_accepts_one_value_per_channel():
    x = data((1, 3))
    _, _, running_mean, running_var = params(3)
    expected = F.batch_norm(tt(x), tt(running_mean), tt(running_var))
    close(batch_norm(x, running_mean, running_var), expected)


@pytest.mark.parametrize("eps", [0.0, 1e-3, 0.5])
def test_eps_in_eval(eps):
    x = data((6, 3, 4))
    _, _, running_mean, running_var = params(3)
    expected = F.batch_norm(tt(x), tt(running_mean), tt(running_var), eps=eps)
    close(batch_norm(x, running_mean, running_var, eps=eps), expected)


# --- modules: running statistics over several steps ---------------------------------

BATCH_SIZES = [4, 7, 2, 9]


@pytest.mark.parametrize("momentum", [0.1, 0.5, 1.0, 0.0, None],
                         ids=["0.1", "0.5", "1", "0", "None"])
@shapes
@dtypes
def test_module_running_statistics(momentum, shape, dtype):
    ours, theirs = ours_and_torch_modules(len(shape), dtype, momentum=momentum)
    for step, n in enumerate(BATCH_SIZES):
        x = data((n,) + shape[1:], dtype, seed=step, loc=step)
        close(ours(x), theirs(tt(x)))
        check_buffers(ours, theirs)
    ours.eval()
    theirs.eval()
    x = data(shape, dtype, seed=99)
    close(ours(x), theirs(tt(x)))
    check_buffers(ours, theirs)          # eval leaves them and the count alone
    ours.train()
    theirs.train()
    x = data(shape, dtype, seed=100)
    close(ours(x), theirs(tt(x)))
    check_buffers(ours, theirs)


def test_cumulative_average_is_the_mean_of_batch_statistics():
    """momentum=None is the paper's E_B[μ_B] and m/(m−1)·E_B[σ²_B] (Algorithm 2)."""
    bn = BatchNorm2d(3, momentum=None, dtype=np.float64)
    means, variances = [], []
    for step, n in enumerate(BATCH_SIZES):
        x = data((n, 3, 4, 5), seed=step, loc=5 * step)
        bn(x)
        means.append(x.mean(axis=(0, 2, 3)))
        variances.append(x.var(axis=(0, 2, 3), ddof=1))
    np.testing.assert_allclose(bn.running_mean, np.mean(means, axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, np.mean(variances, axis=0),
                               rtol=1e-12)
    assert bn.num_batches_tracked == len(BATCH_SIZES)


@pytest.mark.parametrize("momentum", [0.1, None])
def test_reset_running_stats(momentum):
    ours, theirs = ours_and_torch_modules(4, np.float64, momentum=momentum)
    x = data((4, 3, 5, 6))
    ours(x)
    theirs(tt(x))
    ours.reset_running_stats()
    theirs.reset_running_stats()
    check_buffers(ours, theirs)
    x = data((5, 3, 5, 6), seed=3)
    close(ours(x), theirs(tt(x)))
    check_buffers(ours, theirs)


def test_train_and_eval_return_the_module():
    bn = BatchNorm1d(3)
    assert bn.training is True
    assert bn.eval() is bn and bn.training is False
    assert bn.train() is bn and bn.training is True
    assert bn.train(False) is bn and bn.training is False


# --- module options ----------------------------------------------------------------

OPTIONS = [
    dict(affine=False),
    dict(bias=False),
    dict(track_running_stats=False),
    dict(affine=False, track_running_stats=False),
    dict(momentum=None, bias=False),
]
options = pytest.mark.parametrize("kwargs", OPTIONS,
                                  ids=lambda kw: ",".join(f"{k}={v}"
                                                          for k, v in kw.items()))


@options
@shapes
@dtypes
def test_module_options(kwargs, shape, dtype):
    ours, theirs = ours_and_torch_modules(len(shape), dtype, **kwargs)
    for name in ("weight", "bias", "running_mean", "running_var",
                 "num_batches_tracked"):
        assert (getattr(ours, name) is None) == (getattr(theirs, name) is None), name
    for step, n in enumerate(BATCH_SIZES[:3]):
        x = data((n,) + shape[1:], dtype, seed=step)
        close(ours(x), theirs(tt(x)))
        check_buffers(ours, theirs)
    ours.eval()
    theirs.eval()
    x = data(shape, dtype, seed=50, loc=-4.0)
    close(ours(x), theirs(tt(x)))
    check_buffers(ours, theirs)


@shapes
def test_untracked_module_normalises_with_the_batch_in_eval(shape):
    ours, theirs = ours_and_torch_modules(len(shape), np.float64,
                                          track_running_stats=False)
    ours.eval()
    theirs.eval()
    x = data(shape)
    y = ours(x)
    close(y, theirs(tt(x)))
    close(y, F.batch_norm(tt(x), None, None, theirs.weight, theirs.bias,
                          training=True))


@shapes
def test_tracking_switched_off_after_construction(shape):
    """torch: training then leaves the buffers alone, and eval still reads them."""
    ours, theirs = ours_and_torch_modules(len(shape), np.float64)
    x = data(shape, seed=1)
    ours(x)
    theirs(tt(x))
    ours.track_running_stats = theirs.track_running_stats = False
    x = data(shape, seed=2, loc=-2.0)
    close(ours(x), theirs(tt(x)))
    check_buffers(ours, theirs)
    ours.eval()
    theirs.eval()
    close(ours(x), theirs(tt(x)))


@pytest.mark.parametrize("kwargs", [{}, dict(momentum=None, affine=False),
                                    dict(bias=False, track_running_stats=False)])
def test_repr_matches_torch(kwargs):
    for ours_cls, torch_cls in set(MODULES.values()):
        assert repr(ours_cls(5, **kwargs)) == repr(torch_cls(5, **kwargs))


# --- odd inputs ---------------------------------------------------------------------

ZERO_SIZE = [(0, 3), (0, 3, 4), (4, 3, 0), (0, 3, 2, 2), (2, 3, 0, 2, 2)]


@pytest.mark.parametrize("shape", ZERO_SIZE, ids=str)
@pytest.mark.parametrize("momentum", [0.1, None])
def test_zero_size_batch(shape, momentum):
    ours, theirs = ours_and_torch_modules(len(shape), np.float64, momentum=momentum)
    warmup = data((4,) + tuple(max(d, 2) for d in shape[1:]))
    ours(warmup)
    theirs(tt(warmup))
    x = np.zeros(shape)
    tx = tt(x).requires_grad_()
    with warnings.catch_warnings():
        warnings.simplefilter("error")           # no "mean of empty slice"
        y = ours(x)
        expected = theirs(tx)
        assert y.shape == tuple(expected.shape)
        check_buffers(ours, theirs)              # count moves, buffers do not
        expected.sum().backward()
        grad_input = ours.backward(np.ones(shape))
    assert grad_input.shape == shape
    close(ours.grad_weight, theirs.weight.grad)
    close(ours.grad_bias, theirs.bias.grad)


def channels_last(x):
    """The same values stored N, *, C (NHWC / NDHWC): a non-contiguous view."""
    order = (0,) + tuple(range(2, x.ndim)) + (1,)
    back = np.argsort(order)
    stored = np.ascontiguousarray(x.transpose(order))
    return stored.transpose(back)


@pytest.mark.parametrize("layout", ["channels_last", "permuted", "fortran"])
@pytest.mark.parametrize("shape", SHAPES[2:], ids=SHAPE_IDS[2:])
@pytest.mark.parametrize("training", [True, False])
def test_memory_layouts(layout, shape, training):
    x = data(shape)
    if layout == "channels_last":
        x = channels_last(x)
        memory_format = (torch.channels_last if x.ndim == 4
                         else torch.channels_last_3d)
        tx = tt(x).to(memory_format=memory_format)
        assert not x.flags.c_contiguous
    elif layout == "permuted":
        # a (C, N, *) array viewed as (N, C, *)
        x = np.ascontiguousarray(x.swapaxes(0, 1)).swapaxes(0, 1)
        tx = tt(x)
    else:
        x = np.asfortranarray(x)
        tx = tt(x)
    ours, theirs = ours_and_torch_modules(x.ndim, np.float64)
    ours.train(training)
    theirs.train(training)
    tx.requires_grad_()
    expected = theirs(tx)
    close(ours(x), expected)
    check_buffers(ours, theirs)
    dy = channels_last(data(shape, seed=5))
    expected.backward(tt(dy))
    close(ours.backward(dy), tx.grad)
    close(ours.grad_weight, theirs.weight.grad)


def test_float16_mixed_precision():
    """float16 input with float32 buffers: torch's mixed precision on the CPU."""
    x = data((8, 3, 6), np.float16)
    weight, bias, running_mean, running_var = params(3, np.float32)
    trm, trv = tt(running_mean), tt(running_var)
    for training in (True, False):
        expected = F.batch_norm(tt(x), trm, trv, tt(weight), tt(bias),
                                training=training)
        y = batch_norm(x, running_mean, running_var, weight, bias, training=training)
        assert y.dtype == np.float16
        close(y, expected)
        close(running_mean, trm, np.float16)
        close(running_var, trv, np.float16)


def test_float16_is_computed_in_float32():
    """Squared deviations of ~1000 overflow float16 (max 65504); torch's float32 not."""
    x = data((16, 3, 8), np.float16, loc=0.0, scale=300.0)
    running_mean, running_var = np.zeros(3, np.float32), np.ones(3, np.float32)
    trm, trv = tt(running_mean), tt(running_var)
    expected = F.batch_norm(tt(x), trm, trv, training=True, momentum=1.0)
    y = batch_norm(x, running_mean, running_var, training=True, momentum=1.0)
    close(y, expected)
    np.testing.assert_allclose(running_var, trv.numpy(), rtol=1e-3)
    assert np.isfinite(y).all()


def test_float16_module():
    ours, theirs = ours_and_torch_modules(4, np.float16)
    for step in range(3):
        x = data((4, 3, 3, 3), np.float16, seed=step)
        y = ours(x)
        assert y.dtype == np.float16 and ours.running_var.dtype == np.float16
        close(y, theirs(tt(x)))
        check_buffers(ours, theirs)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("training", [True, False])
def test_outputs_keep_the_input_dtype(dtype, training):
    x = data((5, 3, 4), dtype)
    bn = BatchNorm1d(3, dtype=dtype).train(training)
    assert bn(x).dtype == dtype
    grad_input = bn.backward(np.ones_like(x))
    assert grad_input.dtype == dtype
    assert bn.grad_weight.dtype == dtype and bn.grad_bias.dtype == dtype
    _, _, running_mean, running_var = params(3, np.float32)
    y = batch_norm(x, running_mean if dtype == np.float16 else None,
                   running_var if dtype == np.float16 else None,
                   training=True)
    assert y.dtype == dtype
    assert all(g.dtype == dtype for g in batch_norm_backward(np.ones_like(x), x))


@pytest.mark.parametrize("loc", [1e3, 1e4])
def test_float32_statistics_stay_accurate_for_a_large_mean(loc):
    """float32 E[x²] − E[x]² loses all at mean 1e3 (facts.md); two passes do not."""
    x = data((64, 3, 8, 8), np.float32, loc=loc, scale=1.0)
    x64 = x.astype(np.float64)
    mean = x64.mean(axis=(0, 2, 3), keepdims=True)
    var = x64.var(axis=(0, 2, 3), keepdims=True)
    exact = (x64 - mean) / np.sqrt(var + 1e-5)
    bn = BatchNorm2d(3, momentum=1.0)
    y = bn(x)
    # x − μ cannot be exact to better than the float32 spacing near |x| ≈ loc;
    # measured: at most 1 · loc · eps here (torch: 0.5), naive variance: nan
    atol = 4 * loc * np.finfo(np.float32).eps
    np.testing.assert_allclose(y, exact, rtol=0, atol=atol)
    np.testing.assert_allclose(bn.running_var, x64.var(axis=(0, 2, 3), ddof=1),
                               rtol=1e-5)
    theirs = torch.nn.BatchNorm2d(3, momentum=1.0)
    np.testing.assert_allclose(y, theirs(tt(x)).detach().numpy(), rtol=0, atol=atol)


# --- errors: the same exception as torch ---------------------------------------------

def torch_message(e):
    return str(e).replace("torch.Size([", "(").replace("])", ")")


def f64(*shape):
    return np.random.default_rng(len(shape)).uniform(0.5, 2.0, shape)


ERRORS = {
    # name: (input, running_mean, running_var, weight, bias, training, eps)
    "one value per channel NC": (f64(1, 3), None, None, None, None, True, 1e-5),
    "one value per channel NCL": (f64(1, 3, 1), f64(3), f64(3), None, None, True,
                                  1e-5),
    "one value per channel NCHW": (f64(1, 3, 1, 1), None, None, f64(3), None, True,
                                   1e-5),
    "one value per channel NCDHW": (f64(1, 3, 1, 1, 1), None, None, None, None, True,
                                    1e-5),
    "eps 0 in training": (f64(4, 3), f64(3), f64(3), None, None, True, 0.0),
    "eps < 0 in training": (f64(4, 3), None, None, None, None, True, -1e-5),
    "eps < 0 in eval": (f64(4, 3), f64(3), f64(3), None, None, False, -1e-5),
    "running_mean alone": (f64(4, 3), f64(3), None, None, None, True, 1e-5),
    "eval without buffers": (f64(4, 3), None, None, None, None, False, 1e-5),
    "running_mean size": (f64(4, 3), f64(4), f64(4), None, None, False, 1e-5),
    "running_var size": (f64(4, 3), f64(3), f64(2), None, None, True, 1e-5),
    "weight size": (f64(4, 3, 2), None, None, f64(4), None, True, 1e-5),
    "bias size": (f64(4, 3, 2), None, None, None, f64(2), True, 1e-5),
    "integer input": (np.arange(12).reshape(4, 3), None, None, None, None, True,
                      1e-5),
    "float32 input, float64 weight": (f64(4, 3).astype(np.float32), None, None,
                                      f64(3), None, True, 1e-5),
    "float64 input, float32 buffers": (f64(4, 3), f64(3).astype(np.float32),
                                       f64(3).astype(np.float32), None, None,
                                       False, 1e-5),
}


@pytest.mark.parametrize("case", ERRORS.values(), ids=ERRORS.keys())
def test_functional_raises_what_torch_raises(case):
    x, running_mean, running_var, weight, bias, training, eps = case
    with pytest.raises(Exception) as theirs:
        F.batch_norm(tt(x), tt(running_mean), tt(running_var), tt(weight), tt(bias),
                     training=training, eps=eps)
    with pytest.raises(theirs.type) as ours:
        batch_norm(x, running_mean, running_var, weight, bias, training, eps=eps)
    assert type(ours.value) is theirs.type
    if theirs.type is ValueError:                # these messages are copied from torch
        assert str(ours.value) == torch_message(theirs.value)


@pytest.mark.parametrize("ndim", [1, 2, 3, 4, 5, 6])
@pytest.mark.parametrize("rank", [2, 3, 4, 5])
def test_modules_check_the_input_rank(ndim, rank):
    ours_cls, torch_cls = MODULES[rank]
    x = data((4, 3, 2, 2, 2, 2)[:ndim]) if ndim > 1 else data((4, 3)).ravel()[:3]
    try:
        expected = torch_cls(3)(tt(x).float())
    except ValueError as e:
        with pytest.raises(ValueError) as ours:
            ours_cls(3)(x.astype(np.float32))
        assert str(ours.value) == str(e)
    else:
        close(ours_cls(3)(x.astype(np.float32)), expected)


@pytest.mark.parametrize("training", [True, False])
def test_functional_rejects_a_1d_input_like_torch(training):
    x = data((4, 3))[0]
    with pytest.raises((IndexError, RuntimeError)):
        F.batch_norm(tt(x), None, None, training=training)
    with pytest.raises((IndexError, RuntimeError)):
        batch_norm(x, None, None, training=training)


def test_module_channel_mismatch_raises_like_torch():
    x = data((4, 2, 5))
    with pytest.raises(RuntimeError):
        torch.nn.BatchNorm1d(3, dtype=torch.float64)(tt(x))
    with pytest.raises(RuntimeError):
        BatchNorm1d(3, dtype=np.float64)(x)


# --- gradients ----------------------------------------------------------------------

@shapes
@dtypes
@pytest.mark.parametrize("affine", [True, False])
def test_backward_matches_autograd(shape, dtype, affine):
    x = data(shape, dtype)
    weight, bias, _, _ = params(shape[1], dtype)
    dy = data(shape, dtype, seed=3, loc=0.5, scale=1.0)
    tx = tt(x).requires_grad_()
    # without weight (γ = 1), torch's γ = 1, β = 0 give the gradients to compare
    tw = tt(weight if affine else np.ones_like(weight)).requires_grad_()
    tb = tt(bias if affine else np.zeros_like(bias)).requires_grad_()
    F.batch_norm(tx, None, None, tw, tb, training=True).backward(tt(dy))
    grad_input, grad_weight, grad_bias = batch_norm_backward(
        dy, x, weight if affine else None)
    close(grad_input, tx.grad)
    close(grad_weight, tw.grad)
    close(grad_bias, tb.grad)


@shapes
@pytest.mark.parametrize("training", [True, False])
@options
def test_module_backward_matches_autograd(shape, training, kwargs):
    ours, theirs = ours_and_torch_modules(len(shape), np.float64, **kwargs)
    warmup = data(shape, seed=11, loc=-1)        # non-trivial buffers for eval
    ours(warmup)
    theirs(tt(warmup))
    ours.train(training)
    theirs.train(training)
    x = data(shape)
    dy = data(shape, seed=3, loc=0.5, scale=1.0)
    tx = tt(x).requires_grad_()
    theirs(tx).backward(tt(dy))
    ours(x)
    close(ours.backward(dy), tx.grad)
    for name in ("weight", "bias"):
        param = getattr(theirs, name)
        grad = getattr(ours, "grad_" + name)
        if param is None:
            assert grad is None
        else:
            close(grad, param.grad)


def loss_and_params(x, weight, bias, dy, eps):
    """L = Σ dy · y, whose gradient with respect to y is dy."""
    return np.sum(dy * batch_norm(x, None, None, weight, bias, True, eps=eps))


@pytest.mark.parametrize("shape", [(5, 2), (3, 2, 4), (2, 2, 3, 2)], ids=str)
@pytest.mark.parametrize("eps", [1e-5, 0.3])
def test_backward_against_finite_differences(shape, eps):
    x = data(shape, scale=0.7)
    weight, bias, _, _ = params(shape[1])
    dy = data(shape, seed=4, loc=0.0, scale=1.0)
    grad_input, grad_weight, grad_bias = batch_norm_backward(dy, x, weight, eps)
    h = 1e-6
    for array, grad in ((x, grad_input), (weight, grad_weight), (bias, grad_bias)):
        numeric = np.zeros_like(array)
        for i in np.ndindex(array.shape):
            saved = array[i]
            array[i] = saved + h
            up = loss_and_params(x, weight, bias, dy, eps)
            array[i] = saved - h
            down = loss_and_params(x, weight, bias, dy, eps)
            array[i] = saved
            numeric[i] = (up - down) / (2 * h)
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


# --- properties ---------------------------------------------------------------------

@shapes
@pytest.mark.parametrize("eps", [1e-5, 0.05, 1.0])
def test_output_has_mean_zero_and_variance_shrunk_by_eps(shape, eps):
    """Per channel: mean(y) = 0 and var(y) = σ²/(σ² + ε), with γ = 1, β = 0."""
    x = data(shape, scale=0.1)                   # σ² ≈ 0.01..0.04, so ε shows
    axes = (0,) + tuple(range(2, x.ndim))
    y = batch_norm(x, None, None, training=True, eps=eps)
    sigma2 = x.var(axis=axes)
    np.testing.assert_allclose(y.mean(axis=axes), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=axes), sigma2 / (sigma2 + eps),
                               rtol=1e-12)


@shapes
@pytest.mark.parametrize("eps", [1e-5, 0.5])
def test_grad_input_sums_to_zero_and_is_orthogonal_up_to_eps(shape, eps):
    """Σ dx = 0 per channel; Σ dx·x̂ = γ/σ · Σ dy·x̂ · ε/(σ² + ε) (facts.md)."""
    x = data(shape)
    weight, _, _, _ = params(shape[1])
    dy = data(shape, seed=8, loc=1.0)
    axes = (0,) + tuple(range(2, x.ndim))
    grad_input, _, _ = batch_norm_backward(dy, x, weight, eps)
    sigma2 = x.var(axis=axes, keepdims=True)
    x_hat = (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(sigma2 + eps)
    scale = np.abs(dy).sum()
    np.testing.assert_allclose(grad_input.sum(axis=axes), 0, atol=1e-12 * scale)
    wshape = sigma2.shape
    expected = (weight.reshape(wshape) / np.sqrt(sigma2 + eps)
                * (dy * x_hat).sum(axis=axes, keepdims=True)
                * eps / (sigma2 + eps))
    np.testing.assert_allclose((grad_input * x_hat).sum(axis=axes, keepdims=True),
                               expected, rtol=1e-8, atol=1e-12 * scale)
