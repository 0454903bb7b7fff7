"""What the site's pages cite, and which torch function each NumPy mirror
in snippets/ stands beside.

``PAPERS``: every arXiv id the site's notes and experiments cite, with its
authors, year and title; the Ref page lists them. ``TORCH_COUNTERPARTS``: the torch
callable each mirror follows, name for name. ``tests/test_references.py`` checks that
the pages cite nothing missing here, and that each mirror's parameters are torch
2.13's: the same names, in the same order, with the same defaults.
"""

from __future__ import annotations

import inspect

# --8<-- [start:papers]
PAPERS = {
    "1502.03167": "Ioffe & Szegedy 2015. Batch Normalization: Accelerating Deep Network "
                  "Training by Reducing Internal Covariate Shift",
    "1512.03385": "He, Zhang, Ren & Sun 2016. Deep Residual Learning for Image Recognition",
    "1603.05027": "He, Zhang, Ren & Sun 2016. Identity Mappings in Deep Residual Networks",
    "1607.06450": "Ba, Kiros & Hinton 2016. Layer Normalization",
    "1607.08022": "Ulyanov, Vedaldi & Lempitsky 2016. Instance Normalization: The Missing "
                  "Ingredient for Fast Stylization",
    "1702.03275": "Ioffe 2017. Batch Renormalization: Towards Reducing Minibatch "
                  "Dependence in Batch-Normalized Models",
    "1706.02677": "Goyal et al. 2017. Accurate, Large Minibatch SGD: Training ImageNet "
                  "in 1 Hour",
    "1706.05350": "van Laarhoven 2017. L2 Regularization versus Batch and Weight "
                  "Normalization",
    "1801.05134": "Li, Chen, Hu & Yang 2019. Understanding the Disharmony between "
                  "Dropout and Batch Normalization by Variance Shift",
    "1803.08494": "Wu & He 2018. Group Normalization",
    "1805.11604": "Santurkar, Tsipras, Ilyas & Madry 2018. How Does Batch Normalization "
                  "Help Optimization?",
    "1806.02375": "Bjorck, Gomes, Selman & Weinberger 2018. Understanding Batch "
                  "Normalization",
    "1812.03981": "Arora, Li & Lyu 2018. Theoretical Analysis of Auto Rate-Tuning by "
                  "Batch Normalization",
    "1902.08129": "Yang, Pennington, Rao, Sohl-Dickstein & Schoenholz 2019. A Mean Field "
                  "Theory of Batch Normalization",
    "1511.06434": "Radford, Metz & Chintala 2015. Unsupervised Representation Learning "
                  "with Deep Convolutional Generative Adversarial Networks",
    "1606.03498": "Salimans et al. 2016. Improved Techniques for Training GANs",
    "1703.06868": "Huang & Belongie 2017. Arbitrary Style Transfer in Real-time with "
                  "Adaptive Instance Normalization",
    "1704.00028": "Gulrajani et al. 2017. Improved Training of Wasserstein GANs",
    "1705.08741": "Hoffer, Hubara & Soudry 2017. Train longer, generalize better: closing "
                  "the generalization gap in large batch training of neural networks",
    "1802.05957": "Miyato, Kataoka, Koyama & Yoshida 2018. Spectral Normalization for "
                  "Generative Adversarial Networks",
    "1810.12281": "Zhang, Wang, Xu & Grosse 2019. Three Mechanisms of Weight Decay "
                  "Regularization",
    "1603.04779": "Li, Wang, Shi, Liu & Hou 2016. Revisiting Batch Normalization For "
                  "Practical Domain Adaptation",
    "2006.16971": "Schneider, Rusak, Eck, Bringmann, Brendel & Bethge 2020. Improving "
                  "robustness against common corruptions by covariate shift adaptation",
    "2006.10726": "Wang, Shelhamer, Liu, Olshausen & Darrell 2020. Tent: Fully Test-time "
                  "Adaptation by Entropy Minimization",
    "1602.07868": "Salimans & Kingma 2016. Weight Normalization: A Simple "
                  "Reparameterization to Accelerate Training of Deep Neural Networks",
    "1903.10520": "Qiao, Wang, Liu, Shen & Yuille 2019. Micro-Batch Training with "
                  "Batch-Channel Normalization and Weight Standardization",
    "1910.07467": "Zhang & Sennrich 2019. Root Mean Square Layer Normalization",
    "1910.10683": "Raffel et al. 2019. Exploring the Limits of Transfer Learning with a "
                  "Unified Text-to-Text Transformer",
    "2002.04745": "Xiong et al. 2020. On Layer Normalization in the Transformer Architecture",
    "1706.03762": "Vaswani et al. 2017. Attention Is All You Need",
    "2010.04245": "Henry, Dachapally, Pawar & Chen 2020. Query-Key Normalization for "
                  "Transformers",
    "2302.05442": "Dehghani et al. 2023. Scaling Vision Transformers to 22 Billion "
                  "Parameters",
    "2302.13971": "Touvron et al. 2023. LLaMA: Open and Efficient Foundation Language Models",
    "1709.07871": "Perez, Strub, de Vries, Dumoulin & Courville 2018. FiLM: Visual "
                  "Reasoning with a General Conditioning Layer",
    "2212.09748": "Peebles & Xie 2023. Scalable Diffusion Models with Transformers",
    "2503.10622": "Zhu, Chen, He, LeCun & Liu 2025. Transformers without Normalization",
    "2604.23434": "Verma 2026. When Does Removing LayerNorm Help? Activation Bounding "
                  "as a Regime-Dependent Implicit Regularizer",
    "2002.10444": "De & Smith 2020. Batch Normalization Biases Residual Blocks Towards "
                  "the Identity Function in Deep Networks",
    "1901.09321": "Zhang, Dauphin & Ma 2019. Fixup Initialization: Residual Learning "
                  "Without Normalization",
    "2101.08692": "Brock, De & Smith 2021. Characterizing signal propagation to close "
                  "the performance gap in unnormalized ResNets",
    "2102.06171": "Brock, De, Smith & Simonyan 2021. High-Performance Large-Scale Image "
                  "Recognition Without Normalization",
    "2203.00555": "Wang, Ma, Dong, Huang, Zhang & Wei 2022. DeepNet: Scaling "
                  "Transformers to 1,000 Layers",
    "2502.02732": "Kim et al. 2025. Peri-LN: Revisiting Normalization Layer in the "
                  "Transformer Architecture",
    "2410.01131": "Loshchilov, Hsieh, Sun & Ginsburg 2024. nGPT: Normalized Transformer "
                  "with Representation Learning on the Hypersphere",
    "2201.03545": "Liu, Mao, Wu, Feichtenhofer, Darrell & Xie 2022. A ConvNet for the "
                  "2020s",
    "2105.07576": "Wu & Johnson 2021. Rethinking \"Batch\" in BatchNorm",
    "1911.09737": "Singh & Krishnan 2020. Filter Response Normalization Layer: "
                  "Eliminating Batch Dependence in the Training of Deep Neural Networks",
    "1806.10779": "Luo, Ren, Peng, Zhang & Li 2019. Differentiable Learning-to-Normalize "
                  "via Switchable Normalization",
}
# --8<-- [end:papers]


# --8<-- [start:counterparts]
# NumPy mirror in snippets/ -> the torch callable it follows
TORCH_COUNTERPARTS = {
    "snippets.batch_norm.batch_norm": "torch.nn.functional.batch_norm",
    "snippets.norms.layer_norm": "torch.nn.functional.layer_norm",
    "snippets.norms.group_norm": "torch.nn.functional.group_norm",
    "snippets.norms.instance_norm": "torch.nn.functional.instance_norm",
    "snippets.norms.rms_norm": "torch.nn.functional.rms_norm",
    "snippets.batch_norm.BatchNorm2d": "torch.nn.BatchNorm2d",
}


def parameters(callable_):
    """[(name, default)] of a function, or of a class's constructor without ``self``;
    torch's ``device`` and ``dtype`` factory arguments left out."""
    target = callable_.__init__ if inspect.isclass(callable_) else callable_
    return [(p.name, p.default) for p in inspect.signature(target).parameters.values()
            if p.name not in ("self", "device", "dtype")]
# --8<-- [end:counterparts]
