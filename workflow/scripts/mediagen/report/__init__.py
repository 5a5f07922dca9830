"""The evaluation report: both models judged on held-out genomes, as one HTML page
(``page``) with its figures (``figures``) and tables."""
