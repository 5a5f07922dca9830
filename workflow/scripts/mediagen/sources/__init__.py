"""Where the data comes from: genome FASTAs (NCBI, URL or local) and the MediaDive catalog.

``http_client`` (retries, rate limits), ``ncbi_package`` (NCBI Datasets genome packages),
``genome_download``, ``mediadive`` (the cached REST client), and the sheets derived from
MediaDive's strain records: ``species_names`` (taxon names to species, domains to organism
types), ``ncbi_reference`` (each species' reference genome) and ``strain_sheets`` (the
genome and growth sheets, merged with the user's).
"""
