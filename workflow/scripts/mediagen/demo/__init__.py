"""The offline demo: synthetic genomes (``genomes``) and real media from recipe tables
(``media``)."""
