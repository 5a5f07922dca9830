"""The offline demo: synthetic genomes (``genomes``) and real media from recipe tables
(``media``); and the MediaDive world, a real MediaDive snapshot and synthetic genomes that
follow its taxonomy (``world``), served on loopback in the APIs' formats
(``world_snapshot``, ``world_ncbi``, ``world_server``)."""
