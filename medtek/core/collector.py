"""Python's cyclic garbage collector during bulk work: what already exists when the work starts
is left out of the collections the work's own allocations set off.

CPython's collector runs a collection of its oldest generation, which traverses every container
object the process holds there, each time enough objects have survived younger collections; the
more a loop allocates, the more such full collections it sets off. An import holds the parsed
file (for 100,000 rows a list of cells and a dict of values per row) while it checks and stores
the rows one by one, and every full collection walked all of them again: 4 of the 12 s of Python
an upload of 100,000 rows took (benchmarks/README.md, "Issue 14").

:func:`spared_from_collection` moves every object that exists into the collector's permanent
generation (``gc.freeze()``), which collections do not traverse, and gives them back afterwards
(``gc.unfreeze()``), so that a reference cycle among them is collected as before once the work
is done. Objects the work creates are collected as usual, so the work's own garbage never piles
up. The permanent generation is the process's: work in another thread at the same time only
loses the saving when this one ends (``unfreeze`` returns everything), never correctness.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def spared_from_collection() -> Iterator[None]:
    """Leave the objects that exist now out of garbage collections until the block ends."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
