"""A run on disk: ``run.json`` (provenance) plus one Parquet file per finished chunk.

Layout of a run folder::

    run.json                  metadata: versions, hashes, seed, command, times, plan, sessions
    chunks/chunk-000000.parquet
    chunks/chunk-000001.parquet ...
    results.csv               every row, written when the run completes

A chunk file appears only when its chunk is finished (written to a hidden temporary file in
the same folder, then renamed), so an interrupted or killed run leaves only whole chunks,
and the folder ``chunks/`` is always a readable Parquet dataset
(``pandas.read_parquet(folder / "chunks")``; readers skip the hidden temporaries).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

FORMAT = "mscnk-run/1"
METADATA = "run.json"
CHUNKS = "chunks"
_CHUNK_NAME = re.compile(r"^chunk-(\d{6})\.parquet$")


class StoreError(Exception):
    """A run folder that cannot be used as asked (missing, foreign, or from another plan)."""


def write_atomically(path: Path, writer: Callable[[Path], Any]) -> None:
    """Write through a hidden temporary file in the same folder, then rename (no half files)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(handle)
    try:
        writer(Path(temporary))
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; keep the user's default
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


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
        """A new run folder (earlier chunk files there are removed) with ``metadata``."""
        store = cls(Path(path))
        store.chunk_folder.mkdir(parents=True, exist_ok=True)
        for old in store.chunk_folder.iterdir():
            if old.is_file():
                old.unlink()
        results = store.path / "results.csv"
        if results.exists():
            results.unlink()
        store.write_metadata({"format": FORMAT, **metadata})
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
        if metadata.get("format") != FORMAT:
            raise StoreError(f"{store.path / METADATA}: format {metadata.get('format')!r}, "
                             f"expected {FORMAT!r}")
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
        """Indices of the chunks whose file is complete."""
        if not self.chunk_folder.is_dir():
            return set()
        return {int(match.group(1)) for name in os.listdir(self.chunk_folder)
                if (match := _CHUNK_NAME.match(name))}

    def write_chunk(self, index: int, table: pa.Table) -> None:
        """Write one finished chunk (atomically; an existing file is an error)."""
        path = self.chunk_path(index)
        if path.exists():
            raise StoreError(f"chunk {index} is already written ({path.name})")
        write_atomically(path, lambda p: pq.write_table(table, p))

    def chunk_files(self) -> list[Path]:
        return [self.chunk_path(i) for i in sorted(self.finished())]

    def read(self, columns: list[str] | None = None) -> pd.DataFrame:
        """Every finished row as one table, sorted by ``job`` (empty when nothing finished)."""
        files = self.chunk_files()
        if not files:
            return pd.DataFrame(columns=columns or [])
        frame = pq.ParquetDataset([str(f) for f in files]).read(columns=columns).to_pandas()
        if "job" in frame.columns:
            frame = frame.sort_values("job", kind="stable").reset_index(drop=True)
        return frame
