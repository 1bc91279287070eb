"""Results on disk: one Parquet file per finished chunk plus ``run.json`` provenance."""

from mscnk.store._query import load, query
from mscnk.store._store import CHUNKS, FORMAT, METADATA, RunStore, StoreError, write_atomically

__all__ = [
    "CHUNKS", "FORMAT", "METADATA", "RunStore", "StoreError", "load", "query", "write_atomically",
]
