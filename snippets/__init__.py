"""NumPy reference code shown on the site's pages and checked against PyTorch by the tests.

The names mirror PyTorch's (``num_features``, ``eps``, ``momentum``, ``running_mean``,
``weight``, ``bias``) so a reader can hold the two side by side.
"""
