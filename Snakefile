# mediagen: learn from genomes which culture media microbes grow on.
# This file is the table of contents; each stage lives in workflow/rules/.

from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/demo.smk"
include: "workflow/rules/sources.smk"
include: "workflow/rules/catalog.smk"
include: "workflow/rules/kmers.smk"
include: "workflow/rules/genome_vae.smk"
include: "workflow/rules/cvae.smk"
include: "workflow/rules/ranking.smk"
include: "workflow/rules/report.smk"


rule all:
    input:
        get_final_output(),
    default_target: True
