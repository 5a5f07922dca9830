"""The genome VAE: a multi-branch, gated k-mer autoencoder over window profiles.

Its latent mean, averaged over a genome's windows, is the ``vae`` genome
embedding that conditions the media model. Modules: ``config`` (architecture
presets, training settings), ``model``, ``loss``, ``data`` (memory-mapped window
files, split, normalisation), ``ceiling`` (what the gate accuracy can be), ``train``,
``embed``, ``diagram`` and ``curves``.
"""
