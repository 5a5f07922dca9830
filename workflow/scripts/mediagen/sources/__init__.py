"""Where the data comes from: genome FASTAs (NCBI, URL or local) and the MediaDive catalog.

``http_client`` (retries, rate limits), ``ncbi_package`` (NCBI Datasets genome packages),
``genome_download``, ``mediadive`` (the cached REST client) and ``candidates`` (NCBI
reference genomes for MediaDive's strain records).
"""
