"""Genome k-mer profiles: FASTA bytes in, counts, profiles, windows and genome tables out.

``fasta_bytes`` and ``fasta_gz`` read and write (gzipped) FASTA, ``layout`` fixes the
8,362-field profile, ``kernels`` are the numba counting kernels, ``assembly`` decides
which contigs of an assembly are used, ``profile`` counts a genome and its windows,
``embedding_methods`` derives the k-mer embeddings from the counts, ``aggregate`` and
``embedding_table`` write the genome tables, and ``shred`` cuts a complete genome into
draft-like contigs to check that the embeddings hold for them.
"""
