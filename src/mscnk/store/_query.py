"""SQL over a run's chunk files (duckdb), as the table ``results``.

``query(path, "ratio >= 10 AND status = 'ok'")`` filters rows (a WHERE clause); a text that
starts with SELECT or WITH runs as it is. Column names with dots are quoted in SQL:
``"msc.source" = 'adipose'``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from mscnk.store._store import RunStore, StoreError

_STATEMENT = re.compile(r"^\s*(select|with)\b", re.IGNORECASE)


def _connect(store: RunStore):
    import duckdb

    if not store.finished():
        raise StoreError(f"{str(store.path)!r} has no finished chunk yet")
    pattern = str(store.chunk_folder / "chunk-*.parquet").replace("'", "''")
    connection = duckdb.connect()
    connection.execute(f"CREATE VIEW results AS SELECT * FROM read_parquet('{pattern}')")
    return connection


def query(path: str | Path, text: str) -> pd.DataFrame:
    """Rows of the run at ``path`` matching ``text`` (a WHERE clause or a whole statement).

    A bad query raises :class:`StoreError` with duckdb's message (which names the column
    and suggests near names).
    """
    import duckdb

    store = RunStore.open(path)
    sql = text if _STATEMENT.match(text) else f"SELECT * FROM results WHERE {text} ORDER BY job"
    connection = _connect(store)
    try:
        return connection.execute(sql).df()
    except duckdb.Error as error:
        raise StoreError(f"query {text!r} failed: {error}") from error
    finally:
        connection.close()


def load(path: str | Path, where: str | None = None) -> pd.DataFrame:
    """Every row of a run (or those matching ``where``), in job order."""
    return query(path, where) if where else RunStore.open(path).read()
