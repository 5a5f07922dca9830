"""The ranking model: the catalog's media ranked for a genome, with calibrated growth
probabilities, from what its relatives grow on.

``evidence`` turns the training genomes and the catalog into features of (genome,
medium), ``model`` is the ensemble of scoring heads with its calibration and checkpoint,
``data`` reads the dataset, ``train`` fits it, ``evaluate`` judges it against four
baselines on held-out genomes.
"""
