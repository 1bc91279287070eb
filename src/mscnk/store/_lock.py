"""One writer per run folder: an OS lock on ``OUT/.mscnk.lock``, held for a whole run.

The lock is ``flock`` (POSIX; a byte-range lock on Windows), taken without waiting: a second
writer is refused at once with the holder's pid, host, start time and command, which the
holder writes into the lock file. The operating system drops the lock when the holder's
process ends however it ends (``kill -9`` included), so a stale lock file never blocks a
later ``--resume``. The file itself stays (removing a lock file races with other writers).
"""

from __future__ import annotations

import json
import os
import socket
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mscnk.store._store import StoreError

LOCK_NAME = ".mscnk.lock"

try:  # pragma: no branch
    import fcntl

    def _try_lock(fd: int, *, shared: bool = False) -> bool:
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
except ImportError:  # pragma: no cover - Windows
    import msvcrt

    _REGION = 1 << 30  # lock a byte past the holder's note, which others must still read

    def _try_lock(fd: int, *, shared: bool = False) -> bool:
        os.lseek(fd, _REGION, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, _REGION, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def _describe(holder: dict[str, Any]) -> str:
    if not holder:
        return "another process (it left no details)"
    return (f"pid {holder.get('pid', '?')} on host {holder.get('host', '?')}, started "
            f"{holder.get('started', '?')}, command: {holder.get('command') or '-'}")


def _read_note(fd: int) -> dict[str, Any]:
    os.lseek(fd, 0, os.SEEK_SET)
    try:
        note = json.loads(os.read(fd, 65536).decode() or "{}")
    except (ValueError, UnicodeDecodeError, OSError):
        return {}
    return note if isinstance(note, dict) else {}


def lock_holder(folder: str | Path) -> dict[str, Any] | None:
    """Who holds the lock of ``folder`` (its note; ``{}`` if it left none), or None when no
    one does. Creates nothing."""
    path = Path(folder) / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        if _try_lock(fd, shared=True):
            _unlock(fd)
            return None
        return _read_note(fd)
    finally:
        os.close(fd)


class RunLock:
    """The exclusive writer's lock of a run folder (which must exist): ``with RunLock(out):``.

    ``command``: what the holder is doing, shown to anyone refused."""

    def __init__(self, folder: str | Path, *, command: str | None = None):
        self.folder = Path(folder)
        self.command = command
        self._fd: int | None = None

    @property
    def path(self) -> Path:
        return self.folder / LOCK_NAME

    def acquire(self) -> "RunLock":
        """Take the lock now, or :class:`StoreError` naming the holder."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise StoreError(f"--out {str(self.folder)!r}: cannot create its lock file: "
                             f"{error.strerror or error}") from None
        if not _try_lock(fd):
            holder = _read_note(fd)
            os.close(fd)
            raise StoreError(locked_message(self.folder, holder))
        note = {"pid": os.getpid(), "host": socket.gethostname(),
                "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "command": self.command}
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, (json.dumps(note) + "\n").encode())
        self._fd = fd
        return self

    def release(self) -> None:
        """Give the lock up (the file stays, emptied)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
            _unlock(fd)
        finally:
            os.close(fd)

    def __enter__(self) -> "RunLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def locked_message(folder: Path, holder: dict[str, Any]) -> str:
    return (f"--out {str(folder)!r} is in use by another mscnk run ({_describe(holder)}); "
            f"one run writes into a folder at a time: wait for it to end or stop it, then "
            f"try again")
