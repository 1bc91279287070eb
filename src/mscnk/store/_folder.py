"""What a run folder holds before a run writes into it: nothing, an mscnk run, or a user's files.

A run writes only into a new folder, an empty one, or one that holds an mscnk run (its
``run.json`` says so). Anything else is refused before a single file is created, so a
mistyped ``--out`` can never remove or mix with a user's files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from mscnk.store._lock import LOCK_NAME
from mscnk.store._store import CHUNKS, METADATA, TEMPORARY, RunStore, StoreError

#: Foreign files named in a refusal.
NAMED_FILES = 5


@dataclass(frozen=True)
class Folder:
    """An ``--out`` path as found: ``kind`` is missing, empty, run or foreign."""

    path: Path
    kind: str
    store: RunStore | None = None
    foreign: list[str] = field(default_factory=list)  # a few of its files, relative
    reason: str = ""

    def refuse_foreign(self) -> None:
        """:class:`StoreError` for a folder that is not empty and holds no mscnk run."""
        if self.kind != "foreign":
            return
        shown = ", ".join(self.foreign[:NAMED_FILES]) + (", ..." if len(self.foreign) > NAMED_FILES
                                                         else "")
        raise StoreError(f"--out {str(self.path)!r} is not an mscnk run folder and is not empty "
                         f"({self.reason or 'it holds ' + shown}); mscnk writes only into a new "
                         f"or empty folder or into its own run, so nothing was touched: choose "
                         f"another --out")


def _leftover(folder: Path, name: str) -> bool:
    """A name a run leaves before its ``run.json`` exists (lock, temporaries, empty chunks/)."""
    if name == LOCK_NAME or TEMPORARY.match(name):
        return True
    path = folder / name
    return name == CHUNKS and path.is_dir() and not path.is_symlink() and all(
        TEMPORARY.match(n) for n in os.listdir(path))


def _some_files(folder: Path, names: list[str]) -> list[str]:
    """Relative paths of a few files under ``names`` (folders opened, not walked in full)."""
    found: list[str] = []
    for name in sorted(names):
        path = folder / name
        if path.is_dir() and not path.is_symlink():
            inside = sorted(os.listdir(path))[:NAMED_FILES + 1]
            found += [f"{name}/{n}" for n in inside] or [f"{name}/"]
        else:
            found.append(name)
    return found


def inspect_folder(path: str | Path) -> Folder:
    """What ``path`` is, without changing anything; :class:`StoreError` when it can never be a
    run folder (a file, under a file, unreadable)."""
    path = Path(path)
    try:
        if not path.exists():
            for parent in path.parents:
                if parent.exists():
                    if not parent.is_dir():
                        raise StoreError(f"--out {str(path)!r} lies under {str(parent)!r}, "
                                         f"which is a file, not a folder")
                    break
            return Folder(path, "missing")
        if not path.is_dir():
            raise StoreError(f"--out {str(path)!r} is a file, not a folder; choose a folder "
                             f"for the run")
        names = os.listdir(path)
    except NotADirectoryError as error:
        raise StoreError(f"--out {str(path)!r} lies under a file, not a folder ({error})") from None
    except PermissionError as error:
        raise StoreError(f"--out {str(path)!r} cannot be read: {error.strerror}") from None
    if METADATA in names:
        try:
            return Folder(path, "run", RunStore.open(path))
        except StoreError as error:
            return Folder(path, "foreign", foreign=[METADATA],
                          reason=f"it holds a {METADATA} that is not an mscnk run's: {error}")
    foreign = [n for n in names if not _leftover(path, n)]
    if foreign:
        return Folder(path, "foreign", foreign=_some_files(path, foreign))
    return Folder(path, "empty")


def make_folder(path: Path) -> None:
    """Create ``path`` (and its parents); a clear :class:`StoreError` when that cannot be done."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise StoreError(f"--out {str(path)!r} cannot be created: a file of that name (or of a "
                         f"folder above it) is in the way") from None
    except NotADirectoryError:
        raise StoreError(f"--out {str(path)!r} cannot be created: it lies under a file") from None
    except OSError as error:
        raise StoreError(f"--out {str(path)!r} cannot be created: {error.strerror or error} "
                         f"(is the folder above it read-only?)") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise StoreError(f"--out {str(path)!r} is read-only for this user: Permission denied")
