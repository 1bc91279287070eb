"""Results on disk: one Parquet file per finished chunk plus ``run.json`` provenance.

The store owns only what it wrote, one writer holds a run folder at a time, every chunk is
checked as it is read back, and queries are read-only (see the modules' docstrings).
"""

from mscnk.store._csv import write_csv
from mscnk.store._folder import Folder, inspect_folder, make_folder
from mscnk.store._lock import LOCK_NAME, RunLock, lock_holder, locked_message
from mscnk.store._query import is_where_clause, load, query
from mscnk.store._store import (CHUNKS, FORMAT, METADATA, RESULTS, DamagedChunk, RunStore,
                                StoreError, write_atomically)

__all__ = [
    "CHUNKS", "FORMAT", "LOCK_NAME", "METADATA", "RESULTS", "DamagedChunk", "Folder", "RunLock",
    "RunStore", "StoreError", "inspect_folder", "is_where_clause", "load", "lock_holder",
    "locked_message", "make_folder", "query", "write_atomically", "write_csv",
]
