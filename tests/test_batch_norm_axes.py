"""snippets/batch_norm_axes.py and kb/figures/normalization_axes.py against torch 2.13.

* torch's training output is the input standardised with ``batch_statistics``;
* the count m that torch uses for the unbiased ``running_var`` (read back from the
  buffer after one step with momentum 1) is ``values_per_channel``;
* the modules' tensors have ``parameter_shapes``;
* BatchNorm2d/3d equal BatchNorm1d on ``as_matrix``;
* the cells the figure shades for BN, LN, IN and GN are exactly the inputs that one
  output depends on in torch (read from an autograd Jacobian).
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from conftest import ROOT
from kb.figures import normalization_axes
from snippets.batch_norm_axes import (
    LAYOUTS,
    as_matrix,
    batch_statistics,
    from_matrix,
    parameter_shapes,
    reduced_axes,
    values_per_channel,
)

SHAPES = [(10, 3), (4, 3, 7), (3, 3, 4, 5), (2, 3, 3, 4, 2)]
IDS = [LAYOUTS[len(s)] for s in SHAPES]
MODULES = {2: torch.nn.BatchNorm1d, 3: torch.nn.BatchNorm1d, 4: torch.nn.BatchNorm2d,
           5: torch.nn.BatchNorm3d}


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def data(shape, seed=0):
    rng = np.random.default_rng(seed)
    bshape = (1, shape[1]) + (1,) * (len(shape) - 2)
    return rng.standard_normal(shape) * (1 + np.arange(shape[1])).reshape(bshape) + 3


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_torch_standardises_over_the_reduced_axes(shape):
    x = data(shape)
    mean, var = batch_statistics(x)
    assert mean.shape == var.shape == (shape[1],)
    bshape = (1, -1) + (1,) * (len(shape) - 2)
    ours = (x - mean.reshape(bshape)) / np.sqrt(var.reshape(bshape) + 1e-5)
    theirs = F.batch_norm(torch.tensor(x), None, None, training=True).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    # the axes by name: everything but C
    assert [LAYOUTS[len(shape)][a] for a in reduced_axes(len(shape))] == \
        [name for name in LAYOUTS[len(shape)] if name != "C"]


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_m_read_back_from_torch_running_var(shape):
    x = data(shape, seed=1)
    bn = MODULES[len(shape)](shape[1], momentum=1.0).double()
    bn(torch.tensor(x))
    # running_var = m/(m − 1) · σ²_B, so m = r / (r − σ²_B)
    r = bn.running_var.numpy()
    biased = np.var(x, axis=tuple(a for a in range(len(shape)) if a != 1))
    m_torch = r / (r - biased)
    np.testing.assert_allclose(m_torch, values_per_channel(shape), rtol=1e-6)
    assert values_per_channel(shape) == np.prod(shape) // shape[1]


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("track", [True, False])
@pytest.mark.parametrize("ndim", [2, 4, 5])
def test_parameter_shapes_are_torch_modules_tensors(affine, track, ndim):
    module = MODULES[ndim](6, affine=affine, track_running_stats=track)
    theirs = {name: tuple(t.shape) for name, t in module.state_dict().items()}
    assert parameter_shapes(6, affine, track) == theirs


@pytest.mark.parametrize("shape", SHAPES[2:], ids=IDS[2:])
def test_conv_batch_norm_is_batch_norm_1d_on_the_pixel_matrix(shape):
    x = data(shape, seed=2)
    rows = as_matrix(x)
    assert rows.shape == (values_per_channel(shape), shape[1])
    np.testing.assert_array_equal(from_matrix(rows, shape), x)
    bn_nd = MODULES[len(shape)](shape[1]).double()
    bn_1d = torch.nn.BatchNorm1d(shape[1]).double()
    y_nd = bn_nd(torch.tensor(x)).detach().numpy()
    y_1d = bn_1d(torch.tensor(rows)).detach().numpy()
    np.testing.assert_allclose(from_matrix(y_1d, shape), y_nd, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(bn_1d.running_var.numpy(), bn_nd.running_var.numpy(), rtol=1e-12)


# --- the figure ------------------------------------------------------------------------

TORCH_NORMS = {
    "BatchNorm": lambda x: F.batch_norm(x, None, None, training=True),
    "LayerNorm": lambda x: F.layer_norm(x, x.shape[1:]),
    "InstanceNorm": lambda x: F.instance_norm(x),
    "GroupNorm": lambda x: F.group_norm(x, normalization_axes.NUM_GROUPS),
}


@pytest.mark.parametrize("norm", list(TORCH_NORMS))
def test_figure_shades_the_inputs_one_output_depends_on(norm):
    shape, index = normalization_axes.SHAPE, normalization_axes.INDEX
    x = torch.tensor(data(shape, seed=3))
    jac = torch.autograd.functional.jacobian(lambda t: TORCH_NORMS[norm](t)[index], x)
    depends = jac.abs().numpy() > 1e-12
    np.testing.assert_array_equal(normalization_axes.shaded(norm), depends)


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    return normalization_axes.draw(tmp_path_factory.mktemp("figure") / "axes.png")


def test_the_committed_figure_is_what_the_script_draws(drawn):
    committed = np.asarray(Image.open(normalization_axes.OUTPUT).convert("RGB")).astype(int)
    fresh = np.asarray(Image.open(drawn).convert("RGB")).astype(int)
    assert committed.shape == fresh.shape
    assert np.abs(committed - fresh).max() <= 8, \
        "run `python -m kb.figures.normalization_axes` and commit the figure"
    assert normalization_axes.OUTPUT.stat().st_size < 200_000
    assert normalization_axes.OUTPUT.is_relative_to(ROOT / "docs" / "assets")
