"""Whether a run may write into a folder, and what of an earlier session it keeps.

A new run goes only into a new or empty folder or an mscnk run (replaced only with
``overwrite``); ``resume`` needs the same plan and model, and keeps only the chunks that
read back whole. Every refusal comes before anything is written, and the folder's lock is
taken before anything changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mscnk.store import (Folder, RunLock, RunStore, StoreError, inspect_folder, lock_holder,
                         locked_message, make_folder)


def open_for(out: Path, metadata: dict[str, Any], *, resume: bool, overwrite: bool,
             command: str | None) -> tuple[RunStore, RunLock]:
    """The store to write into, and its lock (held): new, replaced (``overwrite``), or
    (``resume``) the matching earlier one. Refusals come before anything is written: a folder
    that is not a run, a run held by another writer, a finished run without ``overwrite``."""
    folder = inspect_folder(out)
    folder.refuse_foreign()
    if resume and folder.kind != "run":
        raise StoreError(f"--resume: {str(out)!r} holds no run to resume; run without "
                         f"--resume to start one")
    holder = lock_holder(out) if folder.kind != "missing" else None
    if holder is not None:
        raise StoreError(locked_message(out, holder))
    _check_reuse(folder, metadata, resume=resume, overwrite=overwrite)
    make_folder(out)
    lock = RunLock(out, command=command).acquire()
    try:  # again under the lock: the folder may have changed since
        folder = inspect_folder(out)
        folder.refuse_foreign()
        _check_reuse(folder, metadata, resume=resume, overwrite=overwrite)
        store = folder.store if resume else RunStore.create(out, metadata)
        if store is None:
            raise StoreError(f"--resume: {str(out)!r} holds no run to resume")
        return store, lock
    except BaseException:
        lock.release()
        raise


def _check_reuse(folder: Folder, metadata: dict[str, Any], *, resume: bool,
                 overwrite: bool) -> None:
    """A run already in the folder is resumed only if it is the same plan and model, and
    replaced only with ``overwrite``."""
    out = folder.path
    if folder.store is None:
        return
    earlier = folder.store.metadata()
    if resume:
        for key, what in (("plan_hash", "the experiment or parameters"),
                          ("model_hash", "the model")):
            if earlier.get(key) != metadata[key]:
                raise StoreError(f"--resume: {what} changed since the run in {str(out)!r} began "
                                 f"({key} {earlier.get(key)} there, {metadata[key]} now); "
                                 f"start a new run with another --out")
        return
    if overwrite:
        return
    if earlier.get("status") == "complete":
        raise StoreError(f"--out {str(out)!r} holds a complete run ({earlier.get('jobs')} "
                         f"conditions, ended {earlier.get('ended')}); pass --overwrite to "
                         f"replace it (only the files of that run are removed) or choose "
                         f"another --out")
    raise StoreError(f"{str(out)!r} holds an unfinished run ({len(folder.store.finished())} of "
                     f"{earlier.get('chunks')} chunks); pass --resume to finish it or "
                     f"--overwrite to start again")


def verify_finished(store: RunStore) -> tuple[set[int], list[dict[str, Any]]]:
    """Chunks of an earlier session that read back whole and belong to this plan; the others
    (and stale temporaries of killed writes) are removed, so they run again."""
    metadata = store.metadata()
    for stale in store.stale_temporaries():
        stale.unlink(missing_ok=True)
    good, redone = set(), []
    for index in sorted(store.finished()):
        problem = store.chunk_problem(index, metadata=metadata)
        if problem is None:
            good.add(index)
            continue
        redone.append({"chunk": index, "problem": problem})
        store.chunk_path(index).unlink(missing_ok=True)
    if redone and metadata.get("status") == "complete":
        store.update(status="incomplete")
    return good, redone


def pending_jobs(out: str | Path, jobs: int, *, resume: bool) -> int:
    """Conditions a run of ``jobs`` conditions into ``out`` has left: all of them, unless
    ``resume`` finds a run there, then those outside its chunk files. Files are counted, not
    checked (one that fails the run's check runs again): this only picks an executor."""
    if not resume:
        return jobs
    try:
        store = RunStore.open(out)
        metadata = store.metadata()
        finished = store.finished()
    except (StoreError, OSError):  # the run itself says why it cannot resume
        return jobs
    done = sum(len(store.expected_jobs(i, metadata) or ()) for i in finished)
    return max(0, jobs - done)
