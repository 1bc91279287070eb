"""Read-only SQL over a run's chunk files (duckdb), as the table ``results``.

``query(path, "ratio >= 10 AND status = 'ok'")`` filters rows (a WHERE clause); one SELECT
statement (``SELECT ...``, ``WITH ... SELECT ...``, ``FROM results ...``) runs as it is.
Column names with dots are quoted in SQL: ``"msc.source" = 'adipose'``.

A query is one read-only expression, checked with duckdb's own parser: several statements,
or any statement that is not a SELECT (COPY, ATTACH, INSTALL, LOAD, PRAGMA, SET, CREATE ...),
are refused. It runs in a duckdb connection with external access disabled (and the setting
locked), where ``results`` is the run's own chunk files, registered by their paths: no file,
extension or other database can be read or written from a query.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mscnk.store._store import RunStore, StoreError

if TYPE_CHECKING:
    import pandas as pd

#: What a query may be, in every refusal.
ALLOWED = ("a WHERE clause (ratio >= 10 AND culture = 'contact') or one SELECT statement over "
           "the table 'results'")
#: The connection's settings: no files, no extensions, no Python variables read as tables,
#: no changing them back.
SETTINGS = {"enable_external_access": False, "autoinstall_known_extensions": False,
            "autoload_known_extensions": False, "python_enable_replacements": False,
            "lock_configuration": True}


def _connect(store: RunStore):
    import duckdb
    import pyarrow.dataset as ds

    files = store.check_files()
    if not files:
        raise StoreError(f"{str(store.path)!r} has no finished chunk yet")
    dataset = ds.dataset([str(f) for f in files], format="parquet")
    connection = duckdb.connect(config=SETTINGS)
    connection.register("results", dataset)
    return connection


def _separators(text: str) -> bool:
    """Whether ``text`` has a ``;`` outside strings and comments (duckdb's tokenizer)."""
    import duckdb

    try:
        tokens = duckdb.tokenize(text)
    except Exception:  # noqa: BLE001 - the parser reports the real problem
        return False
    return any(text[start] == ";" and kind == duckdb.token_type.operator
               for start, kind in tokens)


def statement(text: str) -> tuple[str, bool]:
    """The SQL to run for ``text`` and whether ``text`` was a WHERE clause; a
    :class:`StoreError` for anything but one read-only statement."""
    import duckdb

    if not text.strip():
        raise StoreError(f"query {text!r} is empty; expected {ALLOWED}")
    sql, where = text, False
    parser = duckdb.connect(config=SETTINGS)
    try:
        try:
            statements = parser.extract_statements(sql)
        except duckdb.ParserException:
            if _separators(text.rstrip().rstrip(";")):
                raise StoreError(f"query {text!r} holds more than one statement (';'); a query "
                                 f"is one statement: {ALLOWED}") from None
            where = True
            sql = f"SELECT * FROM results WHERE (\n{text}\n) ORDER BY job"
            try:
                statements = parser.extract_statements(sql)
            except duckdb.ParserException as error:
                raise StoreError(f"query {text!r} is not {ALLOWED}: {error}") from None
    finally:
        parser.close()
    if len(statements) != 1:
        raise StoreError(f"query {text!r} holds {len(statements)} statements; a query is one "
                         f"statement: {ALLOWED}")
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        raise StoreError(f"query {text!r} is a {kind.name} statement; queries are read-only: "
                         f"{ALLOWED}")
    return sql, where


def is_where_clause(text: str) -> bool:
    """Whether ``text`` is a WHERE clause (rather than a whole SELECT statement)."""
    return statement(text)[1]


def query(path: str | Path, text: str) -> pd.DataFrame:
    """Rows of the run at ``path`` matching ``text`` (a WHERE clause or one SELECT statement).

    A bad query raises :class:`StoreError` with duckdb's message (which names the column
    and suggests near names); so does one that is not read-only, or a damaged chunk.
    """
    import duckdb

    store = RunStore.open(path)
    sql, _ = statement(text)
    connection = _connect(store)
    try:
        return connection.execute(sql).df()
    except duckdb.PermissionException as error:
        raise StoreError(f"query {text!r} may read only the table 'results' (file access is "
                         f"disabled): {error}") from None
    except duckdb.Error as error:
        raise StoreError(f"query {text!r} failed: {error}") from None
    finally:
        connection.close()


def load(path: str | Path, where: str | None = None) -> pd.DataFrame:
    """Every row of a run (or those matching ``where``), in job order."""
    return query(path, where) if where else RunStore.open(path).read()
