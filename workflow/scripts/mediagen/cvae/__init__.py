"""The conditional media VAE: media compositions conditioned on a genome embedding.

``dataset`` turns growth pairs into split arrays, ``model`` is the network and
its checkpoint, ``train`` the curriculum training loop, ``generate`` turns the
model's output into recipes, ``evaluate`` and ``report`` judge it.
"""
