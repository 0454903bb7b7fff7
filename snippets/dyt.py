"""Dynamic Tanh (DyT), the element-wise layer that Zhu, Chen, He, LeCun & Liu 2025
(arXiv:2503.10622) put where a Transformer has LayerNorm or RMSNorm.

``tests/test_dyt.py`` checks it against torch ops composed and shows what it does not
share with LayerNorm.
"""

from __future__ import annotations

import numpy as np


# --8<-- [start:dyt]
def dynamic_tanh(x, alpha, weight, bias):
    """DyT(x) = γ ⊙ tanh(αx) + β, element by element.

    alpha: one learnable scalar (the paper initialises it to 0.5); weight (γ) and
    bias (β): one per channel, of the last axis's size, as LayerNorm's. No mean, no
    variance: each output depends on its own input only.
    """
    return weight * np.tanh(alpha * x) + bias
# --8<-- [end:dyt]
