"""The figures of the family and practice pages, drawn by kb/figures/:

* group_norm_groups: two values share a colour exactly when torch's GroupNorm output
  at one depends on the input at the other; G = 1 and G = C are LayerNorm and
  InstanceNorm;
* variance_errors: the curves follow the snippet (one pass grows like eps·(μ/σ)²);
* fold_border: folding BN into the next conv is off exactly on the padded ring, and
  exact when x is padded with the value BN maps to 0;
* each committed PNG is what its script draws, and stays small.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from conftest import ROOT
from kb.figures import batch_statistics, fold_border, group_norm_groups, preactivation, variance_errors
from snippets.norms import statistics_mask
from test_batch_norm import data, one_torch_thread  # noqa: F401 - autouse fixture

ASSETS = ROOT / "docs" / "assets"


# --- GroupNorm groups -----------------------------------------------------------------

@pytest.mark.parametrize("num_groups", list(group_norm_groups.GROUPS))
def test_colours_are_the_values_torch_normalises_together(num_groups):
    shape = group_norm_groups.SHAPE
    c, hw = shape[1], shape[2] * shape[3]
    x = torch.tensor(data(shape, seed=4))
    labels = group_norm_groups.group_labels(num_groups).reshape(-1)
    for out_index in np.ndindex(c, hw):
        index = (0, out_index[0], *np.unravel_index(out_index[1], shape[2:]))
        jac = torch.autograd.functional.jacobian(
            lambda t, i=index: F.group_norm(t, num_groups)[i], x).abs().numpy()
        depends = jac > 1e-12
        assert not depends[1:].any()                 # never on another sample
        same = labels == labels[out_index[0] * hw + out_index[1]]
        np.testing.assert_array_equal(depends[0].reshape(-1), same)


def test_one_group_is_layer_norm_and_c_groups_is_instance_norm():
    shape = group_norm_groups.SHAPE
    for index in np.ndindex(shape):
        np.testing.assert_array_equal(statistics_mask("GroupNorm", shape, index, 1),
                                      statistics_mask("LayerNorm", shape, index))
        np.testing.assert_array_equal(statistics_mask("GroupNorm", shape, index, shape[1]),
                                      statistics_mask("InstanceNorm", shape, index))


# --- variance errors ------------------------------------------------------------------

def test_one_pass_error_grows_like_eps_times_squared_mean():
    eps = np.finfo(np.float32).eps
    for mean in (1e2, 1e3, 1e4):
        worst = variance_errors.errors(np.float32, mean)["one-pass"][1]
        assert 0.1 < worst / (eps * mean**2) < 10, mean
    # the other three stay accurate over the whole range
    for mean in variance_errors.MEANS[np.float32]:
        found = variance_errors.errors(np.float32, mean)
        assert found["two-pass"][1] < 1e-6
        assert found["Welford"][1] < 1e-3 and found["Chan"][1] < 1e-4


def test_float16_overflow_starts_where_the_sums_pass_65504():
    """Σx² of 1024 values ≈ 1024 (μ² + 1): past 65504 from μ ≈ 8; Σx from μ ≈ 64."""
    for mean in variance_errors.MEANS[np.float16]:
        found = variance_errors.errors(np.float16, mean)
        assert np.isinf(found["one-pass"][0]) == (1024 * (mean**2 + 1) > 65504), mean
        assert np.isinf(found["two-pass"][0]) == (1024 * mean > 65504), mean
        assert np.isfinite(found["Chan"][1]) and np.isfinite(found["Welford"][1])


# --- folding into the next conv -------------------------------------------------------

def test_zero_padding_is_wrong_exactly_on_the_border():
    zeros, x0 = fold_border.error_maps()
    ring = np.ones(zeros.shape, bool)
    ring[1:-1, 1:-1] = False
    assert zeros[ring].min() > 1.0
    assert zeros[~ring].max() < 1e-12
    assert x0.max() < 1e-12


def test_x0_is_what_batch_norm_maps_to_zero():
    bn, _, _ = fold_border.layers()
    x0 = fold_border.zero_point(bn)
    t = torch.from_numpy
    y = F.batch_norm(t(x0.reshape(1, -1)), t(bn["running_mean"]), t(bn["running_var"]),
                     t(bn["weight"]), t(bn["bias"]), training=False, eps=bn["eps"])
    np.testing.assert_allclose(y.numpy(), 0, atol=1e-12)


# --- the committed images -------------------------------------------------------------

FIGURES = {"group_norm_groups": group_norm_groups, "variance_errors": variance_errors,
           "fold_border": fold_border, "preactivation": preactivation,
           "batch_statistics": batch_statistics}


@pytest.mark.parametrize("name", list(FIGURES))
def test_the_committed_figure_is_what_the_script_draws(name, tmp_path):
    module = FIGURES[name]
    fresh = np.asarray(Image.open(module.draw(tmp_path / f"{name}.png")).convert("RGB")).astype(int)
    committed = np.asarray(Image.open(module.OUTPUT).convert("RGB")).astype(int)
    assert committed.shape == fresh.shape
    assert np.abs(committed - fresh).max() <= 8, \
        f"run `python -m kb.figures.{name}` and commit the figure"
    assert module.OUTPUT.parent == ASSETS
    assert module.OUTPUT.stat().st_size < 150_000
