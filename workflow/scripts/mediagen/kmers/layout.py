"""The 8,362-field genome profile: where each field lives.

| index        | field                                   |
|--------------|-----------------------------------------|
| 0            | length: number of A/C/G/T bases         |
| 1 .. 8192    | canonical 7-mer frequencies (8,192)     |
| 8193 .. 8328 | canonical 4-mer frequencies (136)       |
| 8329 .. 8360 | canonical 3-mer frequencies (32)        |
| 8361         | GC fraction of A/C/G/T bases            |

Models see ``log(x + LOG_EPSILON)``; absent k-mers sit at ``LOG_FLOOR``.
"""

import math

N_CANONICAL = {7: 8192, 4: 136, 3: 32}

LENGTH_INDEX = 0
KMER7 = slice(1, 1 + 8192)
KMER4 = slice(8193, 8193 + 136)
KMER3 = slice(8329, 8329 + 32)
GC_INDEX = 8361
PROFILE_WIDTH = 8362

LOG_EPSILON = 1e-6
LOG_FLOOR = math.log(LOG_EPSILON)


def profile_column_names() -> list[str]:
    """Column names of the profile table, in profile order."""
    return (
        ["length"]
        + [f"k7_{i}" for i in range(N_CANONICAL[7])]
        + [f"k4_{i}" for i in range(N_CANONICAL[4])]
        + [f"k3_{i}" for i in range(N_CANONICAL[3])]
        + ["gc"]
    )
