"""The offline demo's media: a small MediaDive-format snapshot, and growth pairs for it.

Real, well-known culture media written from their published recipes (g per litre of final
medium), for the four organism types the demo genomes come in. Where a medium is a DSMZ
or JCM medium of MediaDive its MediaDive id is used (``1`` NUTRIENT AGAR, ``J168``
HALOBACTERIA MEDIUM, ...); every other medium has an id starting with ``demo-``, made up
for the demo. Ingredient ids are MediaDive's where known (1 Peptone, 2 Meat extract,
3 Agar, 4 Distilled water, 7 CaCl2 x 2 H2O, 10 K2HPO4, 16 Yeast extract, 17 Tryptone,
101 Casamino acids, 208 Proteose peptone, 952 Fe(III)-EDTA) and made up (``demo-...``)
otherwise; names, formulas and molar masses are real. Trace-element and vitamin stock
solutions are left out of a few complex recipes, which keeps them short; the recipes
that list them (BG-11, Bold's, f/2, TAP, Sulfolobus) give them as final g/L.

``write_demo_snapshot(folder)`` writes the snapshot laid out like the REST API
(``media.json``, ``medium-composition/{id}.json``, ``medium-strains/{id}.json``,
``ingredient/{id}.json``), which the MediaDive client reads as its base URL.
``demo_growth_pairs(genomes, seed)`` pairs every demo genome with media of its type.
Regenerate both with ``python -m mediagen.demo_media config/demo``.
"""

import json
import sys
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from .atomic import atomic_write_text
from .demo_genomes import demo_gc_position
from .sheets import load_genome_sheet

DEMO_SEED = 7

# id: (name, formula, molar mass g/mol or None, ChEBI or None); no formula = complex.
INGREDIENTS = {
    "1": ("Peptone", None, None, None),
    "2": ("Meat extract", None, None, None),
    "3": ("Agar", None, None, 2509),
    "4": ("Distilled water", "H2O", 18.02, 15377),
    "7": ("CaCl2 x 2 H2O", "CaCl2.2H2O", 147.01, 86158),
    "10": ("K2HPO4", "K2HPO4", 174.18, 131527),
    "16": ("Yeast extract", None, None, None),
    "17": ("Tryptone", None, None, None),
    "101": ("Casamino acids", None, None, None),
    "208": ("Proteose peptone", None, None, None),
    "952": ("Fe(III)-EDTA", "C10H12FeN2NaO8", 367.05, None),
    "demo-nacl": ("NaCl", "NaCl", 58.44, 26710),
    "demo-kcl": ("KCl", "KCl", 74.55, 32588),
    "demo-mgso4": ("MgSO4 x 7 H2O", "MgSO4.7H2O", 246.47, 31795),
    "demo-mgcl2-6h2o": ("MgCl2 x 6 H2O", "MgCl2.6H2O", 203.30, 86345),
    "demo-mgcl2": ("MgCl2", "MgCl2", 95.21, None),
    "demo-cacl2": ("CaCl2", "CaCl2", 110.98, None),
    "demo-caco3": ("CaCO3", "CaCO3", 100.09, None),
    "demo-glucose": ("D-Glucose", "C6H12O6", 180.16, 17234),
    "demo-sucrose": ("Sucrose", "C12H22O11", 342.30, 17992),
    "demo-maltose": ("Maltose x H2O", "C12H22O11.H2O", 360.31, None),
    "demo-mannitol": ("D-Mannitol", "C6H14O6", 182.17, None),
    "demo-kh2po4": ("KH2PO4", "KH2PO4", 136.09, 63036),
    "demo-na2hpo4": ("Na2HPO4", "Na2HPO4", 141.96, None),
    "demo-na2hpo4-7h2o": ("Na2HPO4 x 7 H2O", "Na2HPO4.7H2O", 268.07, None),
    "demo-nah2po4": ("NaH2PO4 x H2O", "NaH2PO4.H2O", 137.99, None),
    "demo-nh4cl": ("NH4Cl", "NH4Cl", 53.49, 31206),
    "demo-nh4-2so4": ("(NH4)2SO4", "(NH4)2SO4", 132.14, 62946),
    "demo-nh4no3": ("NH4NO3", "NH4NO3", 80.04, None),
    "demo-nano3": ("NaNO3", "NaNO3", 84.99, 59148),
    "demo-feso4": ("FeSO4 x 7 H2O", "FeSO4.7H2O", 278.01, 75836),
    "demo-fecl3": ("FeCl3 x 6 H2O", "FeCl3.6H2O", 270.30, 86254),
    "demo-fecl2": ("FeCl2 x 4 H2O", "FeCl2.4H2O", 198.81, 86249),
    "demo-fe-nh4-so4": ("Fe(NH4)2(SO4)2 x 6 H2O", "Fe(NH4)2(SO4)2.6H2O", 392.14, None),
    "demo-ferric-citrate": ("Ferric citrate", "C6H5FeO7", 244.95, None),
    "demo-ferric-ammonium-citrate": ("Ammonium iron(III) citrate", None, None, None),
    "demo-mncl2": ("MnCl2 x 4 H2O", "MnCl2.4H2O", 197.91, 86368),
    "demo-mnso4": ("MnSO4 x H2O", "MnSO4.H2O", 169.02, None),
    "demo-znso4": ("ZnSO4 x 7 H2O", "ZnSO4.7H2O", 287.56, 32312),
    "demo-cuso4": ("CuSO4 x 5 H2O", "CuSO4.5H2O", 249.69, 31440),
    "demo-cucl2": ("CuCl2 x 2 H2O", "CuCl2.2H2O", 170.48, 86318),
    "demo-na2moo4": ("Na2MoO4 x 2 H2O", "Na2MoO4.2H2O", 241.95, 75213),
    "demo-moo3": ("MoO3", "MoO3", 143.94, None),
    "demo-nh4-mo": ("(NH4)6Mo7O24 x 4 H2O", "(NH4)6Mo7O24.4H2O", 1235.86, None),
    "demo-coso4": ("CoSO4 x 7 H2O", "CoSO4.7H2O", 281.10, 91244),
    "demo-cocl2": ("CoCl2 x 6 H2O", "CoCl2.6H2O", 237.93, None),
    "demo-co-no3": ("Co(NO3)2 x 6 H2O", "Co(NO3)2.6H2O", 291.03, None),
    "demo-h3bo3": ("H3BO3", "H3BO3", 61.83, 33118),
    "demo-borax": ("Na2B4O7 x 10 H2O", "Na2B4O7.10H2O", 381.37, 131366),
    "demo-voso4": ("VOSO4 x n H2O", "VOSO4", 163.00, 87020),
    "demo-na-citrate": ("Trisodium citrate x 2 H2O", "C6H5Na3O7.2H2O", 294.10, 53258),
    "demo-citric-acid": ("Citric acid x H2O", "C6H8O7.H2O", 210.14, None),
    "demo-nh4-citrate": ("Diammonium hydrogen citrate", "C6H14N2O7", 226.18, None),
    "demo-na-glutamate": ("Na L-glutamate", "C5H8NNaO4", 169.11, 64220),
    "demo-na-acetate": ("Sodium acetate", "C2H3NaO2", 82.03, None),
    "demo-acetic-acid": ("Acetic acid", "C2H4O2", 60.05, None),
    "demo-na-pyruvate": ("Sodium pyruvate", "C3H3NaO3", 110.04, None),
    "demo-na-formate": ("Sodium formate", "CHNaO2", 68.01, None),
    "demo-nahco3": ("NaHCO3", "NaHCO3", 84.01, None),
    "demo-na2co3": ("Na2CO3", "Na2CO3", 105.99, None),
    "demo-na2so4": ("Na2SO4", "Na2SO4", 142.04, None),
    "demo-na2sio3": ("Na2SiO3 x 9 H2O", "Na2SiO3.9H2O", 284.20, None),
    "demo-na2edta": ("Na2-EDTA x 2 H2O", "C10H14N2Na2O8.2H2O", 372.24, None),
    "demo-edta": ("EDTA", "C10H16N2O8", 292.24, None),
    "demo-koh": ("KOH", "KOH", 56.11, None),
    "demo-tris": ("Tris", "C4H11NO3", 121.14, None),
    "demo-na2s": ("Na2S x 9 H2O", "Na2S.9H2O", 240.18, 76209),
    "demo-cysteine": ("L-Cysteine HCl x H2O", "C3H7NO2S.HCl.H2O", 175.63, None),
    "demo-resazurin": ("Resazurin", "C12H6NNaO4", 251.17, 8806),
    "demo-sulfur": ("Sulfur", "S", 32.06, 26833),
    "demo-nabr": ("NaBr", "NaBr", 102.89, 63004),
    "demo-kbr": ("KBr", "KBr", 119.00, None),
    "demo-srcl2": ("SrCl2", "SrCl2", 158.53, None),
    "demo-naf": ("NaF", "NaF", 41.99, None),
    "demo-thiamine": ("Thiamine HCl", "C12H18Cl2N4OS", 337.27, 49105),
    "demo-biotin": ("Biotin", "C10H16N2O3S", 244.31, 15956),
    "demo-b12": ("Vitamin B12", "C63H88CoN14O14P", 1355.37, 17439),
    "demo-ascorbic-acid": ("L-Ascorbic acid", "C6H8O6", 176.12, None),
    "demo-rose-bengal": ("Rose bengal", "C20H2Cl4I4Na2O5", 1017.64, None),
    "demo-chloramphenicol": ("Chloramphenicol", "C11H12Cl2N2O5", 323.13, None),
    "demo-tween80": ("Tween 80", None, None, None),
    "demo-starch": ("Starch, soluble", None, None, None),
    "demo-malt-extract": ("Malt extract", None, None, None),
    "demo-soy-peptone": ("Soy peptone", None, None, None),
    "demo-casein-peptone": ("Casein peptone, tryptic digest", None, None, None),
    "demo-special-peptone": ("Special peptone", None, None, None),
    "demo-brain-infusion": ("Calf brain infusion", None, None, None),
    "demo-heart-infusion": ("Beef heart infusion", None, None, None),
    "demo-tsb": ("Trypticase soy broth", None, None, None),
    "demo-potato": ("Potato", None, None, None),
    "demo-cornmeal": ("Corn meal", None, None, None),
    "demo-ynb": ("Yeast nitrogen base without amino acids and ammonium sulfate",
                 None, None, None),
    "demo-sea-salts": ("Sea salts", None, None, None),
    "demo-sheep-blood": ("Sheep blood, defibrinated", None, None, None),
    "demo-bovine-serum": ("Bovine serum", None, None, None),
}

# Shared parts of several recipes (g/L of final medium).
_BROCK_SALTS = [("demo-nh4-2so4", 1.3), ("demo-kh2po4", 0.28), ("demo-mgso4", 0.25),
                ("7", 0.07), ("demo-fecl3", 0.002), ("demo-mncl2", 0.0018),
                ("demo-borax", 0.0045), ("demo-znso4", 0.00022), ("demo-cucl2", 0.00005),
                ("demo-na2moo4", 0.00003), ("demo-voso4", 0.00003), ("demo-coso4", 0.00001)]
_BOLD_BASAL = [("demo-nano3", 0.25), ("7", 0.025), ("demo-mgso4", 0.075), ("10", 0.075),
               ("demo-kh2po4", 0.175), ("demo-nacl", 0.025), ("demo-edta", 0.05),
               ("demo-koh", 0.031), ("demo-feso4", 0.00498), ("demo-h3bo3", 0.01142),
               ("demo-znso4", 0.00882), ("demo-mncl2", 0.00144), ("demo-moo3", 0.00071),
               ("demo-cuso4", 0.00157), ("demo-co-no3", 0.00049)]
_REDUCED_ANAEROBIC = [("demo-resazurin", 0.0005), ("demo-nahco3", 4.0),
                      ("demo-cysteine", 0.5), ("demo-na2s", 0.5)]

# (id, name, organism type, complex, pH, recipe); a recipe entry is (ingredient, g/L) or
# (ingredient, g/L, extra fields) where g/L is None for an amount MediaDive gives in ml or
# only in mmol/L.
MEDIA = [
    # bacteria
    ("1", "NUTRIENT AGAR", "bacteria", True, 7.0,
     [("1", 5.0), ("2", 3.0), ("3", 15.0), ("4", None)]),
    ("demo-lb", "LB (LURIA-BERTANI) BROTH, MILLER", "bacteria", True, 7.0,
     [("17", 10.0), ("16", 5.0), ("demo-nacl", 10.0), ("4", None)]),
    ("demo-tsb", "TRYPTIC SOY BROTH", "bacteria", True, 7.3,
     [("demo-casein-peptone", 17.0), ("demo-soy-peptone", 3.0), ("demo-nacl", 5.0),
      ("10", 2.5), ("demo-glucose", 2.5)]),
    ("830", "R2A MEDIUM", "bacteria", True, 7.2,
     [("16", 0.5), ("208", 0.5), ("101", 0.5), ("demo-glucose", 0.5), ("demo-starch", 0.5),
      ("demo-na-pyruvate", 0.3), ("10", 0.3), ("demo-mgso4", 0.05), ("3", 15.0)]),
    ("demo-m9", "M9 MINIMAL MEDIUM WITH GLUCOSE", "bacteria", False, 7.4,
     [("demo-na2hpo4", 6.78), ("demo-kh2po4", 3.0), ("demo-nacl", 0.5),
      ("demo-nh4cl", 1.0), ("demo-glucose", 4.0),
      ("demo-mgso4", None, {"mmol_l": 2.0}), ("demo-cacl2", None, {"mmol_l": 0.1})]),
    ("demo-bhi", "BRAIN HEART INFUSION BROTH", "bacteria", True, 7.4,
     [("demo-brain-infusion", 12.5), ("demo-heart-infusion", 5.0), ("208", 10.0),
      ("demo-glucose", 2.0), ("demo-nacl", 5.0), ("demo-na2hpo4", 2.5)]),
    ("11", "MRS MEDIUM", "bacteria", True, 6.2,
     [("demo-casein-peptone", 10.0), ("2", 10.0), ("16", 5.0), ("demo-glucose", 20.0),
      ("demo-tween80", 1.0), ("10", 2.0), ("demo-na-acetate", 5.0),
      ("demo-nh4-citrate", 2.0), ("demo-mgso4", 0.2), ("demo-mnso4", 0.05)]),
    ("693", "COLUMBIA BLOOD MEDIUM", "bacteria", True, 7.3,
     [("demo-special-peptone", 23.0), ("demo-starch", 1.0), ("demo-nacl", 5.0),
      ("3", 10.0), ("demo-sheep-blood", None)]),
    ("92", "TRYPTICASE SOY YEAST EXTRACT MEDIUM", "bacteria", True, 7.2,
     [("demo-tsb", 30.0), ("16", 3.0), ("3", 15.0)]),
    ("514", "BACTO MARINE BROTH (DIFCO 2216)", "bacteria", True, 7.6,
     [("1", 5.0), ("16", 1.0), ("demo-ferric-citrate", 0.1), ("demo-nacl", 19.45),
      ("demo-mgcl2", 5.9), ("demo-na2so4", 3.24), ("demo-cacl2", 1.8), ("demo-kcl", 0.55),
      ("demo-nahco3", 0.16), ("demo-kbr", 0.08), ("demo-srcl2", 0.034),
      ("demo-h3bo3", 0.022), ("demo-na2sio3", 0.004), ("demo-naf", 0.0024),
      ("demo-nh4no3", 0.0016), ("demo-na2hpo4", 0.008)]),
    ("65", "GYM STREPTOMYCES MEDIUM", "bacteria", True, 7.2,
     [("demo-glucose", 4.0), ("16", 4.0), ("demo-malt-extract", 10.0),
      ("demo-caco3", 2.0, {"optional": 1}), ("3", 12.0)]),
    ("demo-yma", "YEAST EXTRACT MANNITOL AGAR", "bacteria", True, 6.8,
     [("demo-mannitol", 10.0), ("16", 1.0), ("10", 0.5), ("demo-mgso4", 0.2),
      ("demo-nacl", 0.1), ("3", 15.0)]),
    # archaea
    ("97", "HALOBACTERIUM MEDIUM", "archaea", True, 7.2,
     [("101", 7.5), ("16", 10.0), ("demo-na-citrate", 3.0), ("demo-kcl", 2.0),
      ("demo-mgso4", 20.0), ("demo-fecl2", 0.036), ("demo-mncl2", 0.00036),
      ("demo-nacl", 250.0), ("3", 20.0)]),
    ("J168", "HALOBACTERIA MEDIUM", "archaea", True, 7.1,
     [("101", 5.0), ("16", 5.0), ("demo-na-glutamate", 1.0), ("demo-na-citrate", 3.0),
      ("demo-mgso4", 20.0), ("demo-kcl", 2.0), ("demo-nacl", 200.0),
      ("demo-fecl2", 0.036), ("demo-mncl2", 0.00036)]),
    ("demo-hv-ypc", "HALOFERAX VOLCANII MEDIUM HV-YPC (18% SALT WATER)", "archaea", True,
     7.2,
     [("demo-nacl", 144.0), ("demo-mgcl2-6h2o", 18.0), ("demo-mgso4", 21.0),
      ("demo-kcl", 4.2), ("demo-tris", 1.45), ("7", 0.44), ("16", 5.0), ("1", 1.0),
      ("101", 1.0)]),
    ("J165", "SULFOLOBUS MEDIUM", "archaea", True, 2.0,
     [("16", 1.0), *_BROCK_SALTS]),
    ("demo-brock-st", "BROCK SALTS WITH SUCROSE AND TRYPTONE", "archaea", True, 3.0,
     [("demo-sucrose", 2.0), ("17", 1.0), *_BROCK_SALTS]),
    ("141", "METHANOGENIUM MEDIUM (H2/CO2)", "archaea", True, 7.0,
     [("demo-kcl", 0.34), ("demo-mgcl2-6h2o", 4.0), ("demo-mgso4", 3.45),
      ("demo-nh4cl", 0.25), ("7", 0.14), ("10", 0.14), ("demo-nacl", 18.0),
      ("demo-fe-nh4-so4", 0.002), ("demo-na-acetate", 1.0), ("16", 2.0),
      ("demo-casein-peptone", 2.0), *_REDUCED_ANAEROBIC]),
    ("demo-mbac", "METHANOBACTERIUM MEDIUM WITH FORMATE (H2/CO2)", "archaea", True, 7.0,
     [("demo-kh2po4", 0.5), ("demo-mgso4", 0.4), ("demo-nacl", 0.4), ("demo-nh4cl", 0.4),
      ("7", 0.05), ("demo-feso4", 0.002), ("16", 1.0), ("demo-na-acetate", 1.0),
      ("demo-na-formate", 2.0), *_REDUCED_ANAEROBIC]),
    ("J280", "THERMOCOCCUS MEDIUM", "archaea", True, 7.1,
     [("demo-kcl", 0.3235), ("demo-mgcl2-6h2o", 2.745), ("demo-mgso4", 3.333),
      ("demo-nh4cl", 0.245), ("demo-nacl", 24.51), ("10", 0.294), ("16", 2.941),
      ("17", 2.941), ("demo-feso4", 0.0245), ("demo-nabr", 0.0098),
      ("demo-sulfur", 9.804), ("demo-na2s", 0.4902), ("demo-resazurin", 0.00098)]),
    ("demo-pfu", "PYROCOCCUS FURIOSUS MEDIUM WITH MALTOSE", "archaea", True, 6.8,
     [("demo-nacl", 27.7), ("demo-mgso4", 7.0), ("demo-mgcl2-6h2o", 5.5), ("7", 0.75),
      ("demo-kcl", 0.65), ("demo-nabr", 0.1), ("demo-h3bo3", 0.03), ("demo-srcl2", 0.015),
      ("16", 1.0), ("1", 5.0), ("demo-maltose", 5.0), ("demo-na2s", 0.5),
      ("demo-resazurin", 0.001)]),
    ("demo-scm", "SYNTHETIC CRENARCHAEOTA MEDIUM (SCM)", "archaea", False, 7.5,
     [("demo-nacl", 26.0), ("demo-mgcl2-6h2o", 5.0), ("demo-mgso4", 5.0), ("7", 1.5),
      ("demo-kbr", 0.1), ("demo-kh2po4", 0.027), ("demo-nh4cl", 0.053),
      ("demo-nahco3", 0.168)]),
    ("demo-tpl", "THERMOPLASMA ACIDOPHILUM MEDIUM", "archaea", True, 2.0,
     [("demo-kh2po4", 3.0), ("demo-mgso4", 0.5), ("7", 0.25), ("demo-nh4-2so4", 0.2),
      ("16", 1.0), ("demo-glucose", 10.0)]),
    # fungi
    ("J1467", "YEAST EXTRACT PEPTONE DEXTROSE (YPD)", "fungi", True, 6.5,
     [("16", 10.0), ("1", 20.0), ("demo-glucose", 20.0)]),
    ("1429", "SABOURAUD GLUCOSE MEDIUM", "fungi", True, 5.6,
     [("1", 10.0), ("demo-glucose", 40.0), ("3", 15.0)]),
    ("129", "POTATO DEXTROSE AGAR", "fungi", True, 5.6,
     [("demo-glucose", 20.0), ("3", 15.0), ("demo-potato", 200.0)]),
    ("90", "MALT EXTRACT PEPTONE AGAR", "fungi", True, 5.6,
     [("demo-malt-extract", 30.0), ("demo-soy-peptone", 3.0), ("3", 15.0)]),
    ("186", "UNIVERSAL MEDIUM FOR YEASTS (YM)", "fungi", True, None,
     [("16", 3.0), ("demo-malt-extract", 3.0), ("demo-soy-peptone", 5.0),
      ("demo-glucose", 10.0), ("3", 15.0)]),
    ("130", "CZAPEK-DOX AGAR", "fungi", True, 7.2,
     [("demo-sucrose", 30.0), ("demo-nano3", 3.0), ("demo-mgso4", 0.5), ("demo-kcl", 0.5),
      ("demo-feso4", 0.01), ("10", 1.0), ("3", 13.0)]),
    ("1682", "YEAST NITROGEN BASE GLUCOSE (YNBG)", "fungi", True, None,
     [("demo-ynb", 1.7), ("demo-nh4-2so4", 5.0), ("demo-glucose", 20.0)]),
    ("demo-rbc", "ROSE BENGAL CHLORAMPHENICOL AGAR", "fungi", True, 7.2,
     [("1", 5.0), ("demo-glucose", 10.0), ("demo-kh2po4", 1.0), ("demo-mgso4", 0.5),
      ("demo-rose-bengal", 0.05), ("demo-chloramphenicol", 0.1), ("3", 15.0)]),
    ("demo-cma", "CORN MEAL AGAR", "fungi", True, 6.0,
     [("demo-cornmeal", 2.0), ("3", 15.0)]),
    ("demo-mea", "MALT EXTRACT AGAR (BLAKESLEE)", "fungi", True, 5.5,
     [("demo-malt-extract", 20.0), ("demo-glucose", 20.0), ("1", 1.0), ("3", 20.0)]),
    # protists
    ("demo-bg11", "BG-11 MEDIUM", "protist", False, 7.1,
     [("demo-nano3", 1.5), ("10", 0.04), ("demo-mgso4", 0.075), ("7", 0.036),
      ("demo-citric-acid", 0.006), ("demo-ferric-ammonium-citrate", 0.006),
      ("demo-na2edta", 0.001), ("demo-na2co3", 0.02), ("demo-h3bo3", 0.00286),
      ("demo-mncl2", 0.00181), ("demo-znso4", 0.000222), ("demo-na2moo4", 0.00039),
      ("demo-cuso4", 0.000079), ("demo-co-no3", 0.0000494)]),
    ("demo-bbm", "BOLD'S BASAL MEDIUM (BBM)", "protist", False, 6.6, list(_BOLD_BASAL)),
    ("demo-proteose", "PROTEOSE MEDIUM FOR ALGAE (BBM WITH PROTEOSE PEPTONE)", "protist",
     True, 6.8, [*_BOLD_BASAL, ("208", 1.0)]),
    ("demo-f2", "GUILLARD'S F/2 MEDIUM", "protist", True, 8.0,
     [("demo-sea-salts", 33.0), ("demo-nano3", 0.075), ("demo-nah2po4", 0.005),
      ("demo-na2sio3", 0.03), ("demo-fecl3", 0.00315), ("demo-na2edta", 0.00436),
      ("demo-cuso4", 0.0000098), ("demo-na2moo4", 0.0000063), ("demo-znso4", 0.000022),
      ("demo-cocl2", 0.00001), ("demo-mncl2", 0.00018), ("demo-thiamine", 0.0001),
      ("demo-biotin", 0.0000005), ("demo-b12", 0.0000005)]),
    ("demo-tap", "TRIS-ACETATE-PHOSPHATE (TAP) MEDIUM", "protist", False, 7.0,
     [("demo-tris", 2.42), ("demo-nh4cl", 0.4), ("demo-mgso4", 0.1), ("7", 0.05),
      ("10", 0.108), ("demo-kh2po4", 0.054), ("demo-acetic-acid", 1.05),
      ("demo-na2edta", 0.05), ("demo-znso4", 0.022), ("demo-h3bo3", 0.0114),
      ("demo-mncl2", 0.00506), ("demo-feso4", 0.00499), ("demo-cocl2", 0.00161),
      ("demo-cuso4", 0.00157), ("demo-nh4-mo", 0.0011)]),
    ("demo-pyg", "PYG MEDIUM FOR ACANTHAMOEBA (ATCC 712)", "protist", True, 6.5,
     [("208", 20.0), ("16", 1.0), ("demo-glucose", 18.0), ("demo-mgso4", 0.98),
      ("demo-cacl2", 0.059), ("demo-na-citrate", 1.0), ("demo-fe-nh4-so4", 0.02),
      ("demo-na2hpo4-7h2o", 0.355), ("demo-kh2po4", 0.34)]),
    ("demo-spp", "SPP MEDIUM FOR TETRAHYMENA", "protist", True, 7.0,
     [("208", 20.0), ("16", 1.0), ("demo-glucose", 2.0), ("952", 0.03)]),
    ("demo-tyi", "TYI-S-33 MEDIUM", "protist", True, 6.8,
     [("demo-casein-peptone", 20.0), ("16", 10.0), ("demo-glucose", 10.0),
      ("demo-nacl", 2.0), ("10", 1.0), ("demo-kh2po4", 0.6), ("demo-cysteine", 1.0),
      ("demo-ascorbic-acid", 0.2), ("demo-ferric-ammonium-citrate", 0.0228),
      ("demo-bovine-serum", None)]),
    ("demo-eg", "EUGLENA MEDIUM (EG)", "protist", True, 6.7,
     [("demo-na-acetate", 1.0), ("2", 1.0), ("17", 2.0), ("16", 2.0),
      ("demo-cacl2", 0.01)]),
]

# A few strains MediaDive's source collections record on these media (species and
# collection numbers are real; the strain and BacDive ids are MediaDive's where known,
# else left out).
STRAINS = {
    "1": [{"id": "demo-s1", "species": "Escherichia coli", "ccno": "DSM 30083",
           "growth": 1, "bacdive_id": None, "domain": "B"},
          {"id": "demo-s2", "species": "Bacillus subtilis", "ccno": "DSM 10",
           "growth": 1, "bacdive_id": None, "domain": "B"}],
    "11": [{"id": "demo-s3", "species": "Lactiplantibacillus plantarum", "ccno": "DSM 20174",
            "growth": 1, "bacdive_id": None, "domain": "B"}],
    "97": [{"id": "demo-s4", "species": "Halobacterium salinarum", "ccno": "DSM 3754",
            "growth": 1, "bacdive_id": None, "domain": "A"}],
    "186": [{"id": "demo-s5", "species": "Saccharomyces cerevisiae", "ccno": "DSM 70449",
             "growth": 1, "bacdive_id": None, "domain": None}],
}


def _envelope(data) -> str:
    count = len(data) if isinstance(data, list) else 1
    return json.dumps({"status": 200, "count": count, "data": data}, indent=1) + "\n"


def _composition_item(entry) -> dict:
    ingredient_id, grams = entry[0], entry[1]
    extra = entry[2] if len(entry) > 2 else {}
    name, _, mass, _ = INGREDIENTS[ingredient_id]
    mmol = extra.get("mmol_l")
    if mmol is None and grams is not None and mass:
        mmol = round(grams / mass * 1000, 6)
    return {"id": _id_value(ingredient_id), "name": name, "g_l": grams, "mmol_l": mmol,
            "optional": extra.get("optional", 0)}


def _id_value(text: str):
    """Ids as MediaDive writes them: numbers as numbers."""
    return int(text) if text.isdigit() else text


def _ingredient_record(ingredient_id: str) -> dict:
    name, formula, mass, chebi = INGREDIENTS[ingredient_id]
    return {"id": _id_value(ingredient_id), "name": name, "ChEBI": chebi, "formula": formula,
            "mass": mass, "complex_compound": int(formula is None)}


def write_demo_snapshot(folder: str | Path) -> None:
    """Write the demo's MediaDive-format snapshot under ``folder``."""
    folder = Path(folder)
    media = [{"id": _id_value(medium_id), "name": name, "complex_medium": int(complex_),
              "source": "DSMZ" if medium_id.isdigit() else
              ("JCM" if medium_id.startswith("J") else "mediagen demo"),
              "min_pH": ph, "max_pH": ph}
             for medium_id, name, _, complex_, ph, _ in MEDIA]
    atomic_write_text(folder / "media.json", _envelope(media))
    used = set()
    for medium_id, _, _, _, _, recipe in MEDIA:
        items = [_composition_item(entry) for entry in recipe]
        used.update(entry[0] for entry in recipe)
        atomic_write_text(folder / "medium-composition" / f"{medium_id}.json", _envelope(items))
        if medium_id in STRAINS:
            atomic_write_text(folder / "medium-strains" / f"{medium_id}.json",
                              _envelope(STRAINS[medium_id]))
    for ingredient_id in sorted(used):
        atomic_write_text(folder / "ingredient" / f"{ingredient_id}.json",
                          _envelope(_ingredient_record(ingredient_id)))


def media_by_type() -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for medium_id, _, organism_type, *_ in MEDIA:
        grouped.setdefault(organism_type, []).append(medium_id)
    return grouped


def demo_growth_pairs(genomes: pd.DataFrame, seed: int = DEMO_SEED) -> pd.DataFrame:
    """Each genome grows on 3-4 media of its type chosen by its GC, and fails on one other.

    A type's media are laid out in catalogue order and a genome grows on those nearest
    its GC position within the type's range (mediagen.demo_genomes), so which media a
    genome takes depends on its composition, not only on its type: a stand-in for the
    real link between genome content and growth requirements, which gives the demo
    something beyond the organism type to learn. Confidences (0.55-1.0) and the one
    negative pair come from the seed and the genome id; the same sheet and seed always
    give the same pairs (the demo genomes must be built with the same seed).
    """
    by_type = media_by_type()
    rows = []
    for genome_id, organism_type in zip(genomes["genome_id"], genomes["organism_type"],
                                        strict=True):
        rng = np.random.default_rng([seed, zlib.crc32(genome_id.encode())])
        own = by_type[organism_type]
        centre = demo_gc_position(genome_id, organism_type, seed) * (len(own) - 1)
        nearest = np.argsort(np.abs(np.arange(len(own)) - centre), kind="stable")
        for index in sorted(nearest[: int(rng.integers(3, 5))]):
            confidence = round(float(rng.uniform(0.55, 1.0)), 2)
            rows.append((genome_id, own[index], "true", confidence,
                         "demo: type media nearest the genome's GC"))
        others = [m for t, media in sorted(by_type.items()) if t != organism_type
                  for m in media]
        rows.append((genome_id, str(rng.choice(others)), "false", 0.9,
                     "demo: medium of another organism type"))
    return pd.DataFrame(rows, columns=["genome_id", "media_id", "growth", "confidence",
                                       "source"])


def write_demo_growth(genome_sheet: str | Path, destination: str | Path,
                      seed: int = DEMO_SEED) -> None:
    pairs = demo_growth_pairs(load_genome_sheet(genome_sheet), seed)
    atomic_write_text(destination, pairs.to_csv(sep="\t", index=False))


if __name__ == "__main__":
    demo = Path(sys.argv[1] if len(sys.argv) > 1 else "config/demo")
    write_demo_snapshot(demo / "mediadive")
    write_demo_growth(demo / "genomes.tsv", demo / "growth.tsv")
