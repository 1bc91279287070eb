"""A run on disk: ``run.json`` (provenance) plus one Parquet file per finished chunk.

Layout of a run folder::

    run.json                  metadata: versions, hashes, seed, command, times, plan, sessions
    chunks/chunk-000000.parquet
    chunks/chunk-000001.parquet ...
    results.csv               every row, written when the run completes
    .mscnk.lock               the writer's lock (see :mod:`mscnk.store._lock`)

A chunk file appears only when its chunk is finished (written to a hidden temporary file in
the same folder, then renamed), so an interrupted or killed run leaves only whole chunks.
Every chunk carries its run's plan hash, its index and its job range in its Parquet
key-value metadata, and page checksums; a chunk is read back only from its own path (no
glob pattern, no partition discovery) and checked against ``run.json`` as it is read.

The store owns only what it wrote: chunk files named ``chunk-NNNNNN.parquet``, the hidden
temporaries of its atomic writes, ``run.json``, ``results.csv`` and the lock file. Clearing a
run for ``--overwrite`` removes those and nothing else (see :mod:`mscnk.store._folder`).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from mscnk.files import write_atomically

if TYPE_CHECKING:
    import pandas as pd

FORMAT = "mscnk-run/1"
METADATA = "run.json"
CHUNKS = "chunks"
RESULTS = "results.csv"
_CHUNK_NAME = re.compile(r"^chunk-(\d{6})\.parquet$")
#: Hidden temporaries of :func:`write_atomically` for the store's own files.
TEMPORARY = re.compile(r"^\.(chunk-\d{6}\.parquet|run\.json|results\.csv)\..+$")
#: Parquet key-value metadata of every chunk.
PLAN_KEY, CHUNK_KEY, FIRST_KEY, JOBS_KEY = (b"mscnk.plan_hash", b"mscnk.chunk",
                                            b"mscnk.first_job", b"mscnk.jobs")


class StoreError(Exception):
    """A run folder that cannot be used as asked (missing, foreign, locked, damaged, or from
    another plan)."""


class DamagedChunk(StoreError):
    """A chunk file that cannot be read, or is not the chunk of this run it is named after."""

    def __init__(self, store: "RunStore", index: int, problem: str):
        super().__init__(f"{store.chunk_path(index)}: {problem}; this chunk must be run again: "
                         f"mscnk run FILE --out {store.path} --resume")
        self.index, self.problem = index, problem


@dataclass(frozen=True)
class RunStore:
    """One run folder; knows files, not models."""

    path: Path

    @property
    def chunk_folder(self) -> Path:
        return self.path / CHUNKS

    # -- metadata --------------------------------------------------------------------
    @classmethod
    def exists(cls, path: str | Path) -> bool:
        return (Path(path) / METADATA).is_file()

    @classmethod
    def create(cls, path: str | Path, metadata: dict[str, Any]) -> "RunStore":
        """A new run in ``path`` with ``metadata``: the folder must be new, empty, or hold an
        mscnk run (whose own files are removed first; nothing else is touched)."""
        from mscnk.store._folder import inspect_folder, make_folder

        folder = inspect_folder(path)
        folder.refuse_foreign()
        if folder.store is not None:
            folder.store.clear()
        make_folder(Path(path))
        store = cls(Path(path))
        store.write_metadata({"format": FORMAT, **metadata})
        store.chunk_folder.mkdir(exist_ok=True)
        return store

    @classmethod
    def open(cls, path: str | Path) -> "RunStore":
        """An existing run folder; :class:`StoreError` when there is none."""
        store = cls(Path(path))
        if not store.path.is_dir():
            raise StoreError(f"run folder {str(store.path)!r} does not exist")
        if not (store.path / METADATA).is_file():
            raise StoreError(f"{str(store.path)!r} holds no mscnk run (no {METADATA})")
        metadata = store.metadata()
        if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
            found = metadata.get("format") if isinstance(metadata, dict) else None
            raise StoreError(f"{store.path / METADATA}: format {found!r}, expected {FORMAT!r}: "
                             f"not an mscnk run")
        return store

    def metadata(self) -> dict[str, Any]:
        try:
            return json.loads((self.path / METADATA).read_text())
        except (OSError, ValueError) as error:
            raise StoreError(f"{self.path / METADATA}: cannot read: {error}") from error

    def write_metadata(self, metadata: dict[str, Any]) -> None:
        text = json.dumps(metadata, indent=2, sort_keys=False, default=str) + "\n"
        write_atomically(self.path / METADATA, lambda p: p.write_text(text))

    def update(self, **fields: Any) -> dict[str, Any]:
        """Merge ``fields`` into the metadata (top level) and write it back."""
        metadata = {**self.metadata(), **fields}
        self.write_metadata(metadata)
        return metadata

    # -- chunks ----------------------------------------------------------------------
    def chunk_path(self, index: int) -> Path:
        return self.chunk_folder / f"chunk-{index:06d}.parquet"

    def finished(self) -> set[int]:
        """Indices of the chunks whose file exists (see :meth:`chunk_problem` for checks)."""
        if not self.chunk_folder.is_dir():
            return set()
        return {int(match.group(1)) for name in os.listdir(self.chunk_folder)
                if (match := _CHUNK_NAME.match(name)) and (self.chunk_folder / name).is_file()}

    def write_chunk(self, index: int, table: pa.Table, *, plan_hash: str | None = None,
                    first_job: int | None = None) -> None:
        """Write one finished chunk atomically, with page checksums and, in its key-value
        metadata, ``plan_hash``, its index and its job range; an existing file is an error."""
        path = self.chunk_path(index)
        if path.exists():
            raise StoreError(f"chunk {index} is already written ({path.name})")
        keys = {CHUNK_KEY: str(index).encode(), JOBS_KEY: str(table.num_rows).encode()}
        if plan_hash is not None:
            keys[PLAN_KEY] = plan_hash.encode()
        if first_job is not None:
            keys[FIRST_KEY] = str(first_job).encode()
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **keys})
        write_atomically(path, lambda p: pq.write_table(table, p, write_page_checksum=True))

    def chunk_files(self) -> list[Path]:
        return [self.chunk_path(i) for i in sorted(self.finished())]

    def expected_jobs(self, index: int, metadata: dict[str, Any] | None = None) -> range | None:
        """Job numbers chunk ``index`` must hold, from ``run.json`` (None if it says nothing)."""
        metadata = self.metadata() if metadata is None else metadata
        size, jobs = metadata.get("chunk_size"), metadata.get("jobs")
        if not isinstance(size, int) or not isinstance(jobs, int) or size < 1:
            return None
        return range(min(index * size, jobs), min((index + 1) * size, jobs))

    def read_chunk(self, index: int, *, strict: bool = True, rows: bool = True,
                   metadata: dict[str, Any] | None = None) -> pa.Table | None:
        """Chunk ``index`` read and checked against ``run.json``: readable (page checksums),
        same plan hash, its own index, the job range it should hold. ``strict``: the chunk
        metadata must be there (older stores lack it); ``rows=False`` checks the footer only
        and returns None. :class:`DamagedChunk` names what is wrong."""
        metadata = self.metadata() if metadata is None else metadata
        expected = self.expected_jobs(index, metadata)
        if expected is not None and not len(expected):
            raise DamagedChunk(self, index, f"this run has only {metadata.get('chunks')} "
                                            f"chunk(s), so chunk {index} is not part of it")
        try:
            with open(self.chunk_path(index), "rb") as handle:
                file = pq.ParquetFile(handle, page_checksum_verification=True)
                self._check_keys(index, file.schema_arrow.metadata or {}, metadata, expected,
                                 strict=strict)
                if expected is not None and file.metadata.num_rows != len(expected):
                    raise DamagedChunk(self, index, f"holds {file.metadata.num_rows} rows, "
                                                    f"expected {len(expected)}")
                table = file.read() if rows else None
        except (OSError, pa.ArrowException) as error:
            raise DamagedChunk(self, index, f"cannot be read ({error})") from error
        if table is not None and expected is not None and "job" in table.column_names:
            if table.column("job").to_pylist() != list(expected):
                raise DamagedChunk(self, index, f"does not hold jobs {expected.start} to "
                                                f"{expected.stop - 1} in order")
        return table

    def _check_keys(self, index: int, keys: dict[bytes, bytes], metadata: dict[str, Any],
                    expected: range | None, *, strict: bool) -> None:
        plan = metadata.get("plan_hash")
        if PLAN_KEY not in keys:
            if strict:
                raise DamagedChunk(self, index, "carries no mscnk chunk metadata (plan hash, "
                                                "index)")
            return
        if plan is not None and keys[PLAN_KEY].decode() != plan:
            raise DamagedChunk(self, index, f"belongs to plan {keys[PLAN_KEY].decode()}, not to "
                                            f"this run's plan {plan}")
        if keys.get(CHUNK_KEY) != str(index).encode():
            raise DamagedChunk(self, index, f"is chunk {keys.get(CHUNK_KEY, b'?').decode()} of its "
                                            f"run, not chunk {index}")
        if expected is not None and keys.get(FIRST_KEY) != str(expected.start).encode():
            raise DamagedChunk(self, index, f"starts at job {keys.get(FIRST_KEY, b'?').decode()}, "
                                            f"expected {expected.start}")

    def chunk_problem(self, index: int, *, strict: bool = True,
                      metadata: dict[str, Any] | None = None) -> str | None:
        """What is wrong with chunk ``index`` (None when it reads back whole and is this run's)."""
        try:
            self.read_chunk(index, strict=strict, metadata=metadata)
        except DamagedChunk as damaged:
            return damaged.problem
        return None

    def check_files(self) -> list[Path]:
        """The chunk files, each checked from its footer (readable, this run's, right size)."""
        metadata = self.metadata()
        for index in sorted(self.finished()):
            self.read_chunk(index, strict=False, rows=False, metadata=metadata)
        return self.chunk_files()

    def read(self, columns: list[str] | None = None, *, strict: bool = False) -> pd.DataFrame:
        """Every finished row as one table, sorted by ``job`` (empty when nothing finished);
        each chunk checked as it is read (:meth:`read_chunk`; :class:`DamagedChunk`)."""
        import pandas as pd

        metadata = self.metadata()
        tables = [self.read_chunk(i, strict=strict, metadata=metadata)
                  for i in sorted(self.finished())]
        if not tables:
            return pd.DataFrame(columns=columns or [])
        table = pa.concat_tables([t.replace_schema_metadata(None) for t in tables])
        frame = (table.select(columns) if columns else table).to_pandas()
        if "job" in frame.columns:
            frame = frame.sort_values("job", kind="stable").reset_index(drop=True)
        return frame

    # -- owned files -----------------------------------------------------------------
    def stale_temporaries(self) -> list[Path]:
        """Hidden temporaries of killed writes (only names of the store's own pattern)."""
        found = []
        for folder in (self.path, self.chunk_folder):
            if folder.is_dir():
                found += [folder / n for n in sorted(os.listdir(folder)) if TEMPORARY.match(n)]
        return [p for p in found if p.is_file()]

    def clear(self) -> list[Path]:
        """Remove the run's own files (chunks, temporaries, results.csv, run.json); return them.

        Only names of the store's patterns go; anything else in the folder stays."""
        owned = [self.chunk_folder / f"chunk-{i:06d}.parquet" for i in sorted(self.finished())]
        owned += self.stale_temporaries()
        info = self.metadata()
        if RESULTS in info.get("written", []) or info.get("status") == "complete":
            owned.append(self.path / RESULTS)
        owned.append(self.path / METADATA)
        removed = []
        for path in owned:
            if path.is_file():
                path.unlink()
                removed.append(path)
        return removed
