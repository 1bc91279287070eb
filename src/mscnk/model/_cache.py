"""The per-user cache folder for generated code and compiled kernels, and safe reads from it.

Everything mscnk keeps between runs (generated model code, the batch kernel and numba's
compiled files beside it) is code that a later process runs, so it lives in one private
folder: ``MSCNK_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/mscnk``, else ``~/.cache/mscnk``,
created with mode 0700. A folder that cannot be made, is not owned by this user or is
writable by others is not used: this process then caches in a fresh private temporary folder
of its own (removed at exit), never in a shared one. A file in the cache is read only if it
is a regular file owned by this user and not writable by group or others.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import stat
import tempfile
from pathlib import Path

from mscnk.files import write_atomically

log = logging.getLogger("mscnk")

#: Permission bits that let someone other than the owner change a file or folder.
OTHERS_WRITE = stat.S_IWGRP | stat.S_IWOTH

#: configured folder -> the folder this process uses for it
_RESOLVED: dict[str, Path] = {}


def configured_folder() -> Path:
    """The cache folder asked for (``MSCNK_CACHE_DIR``, XDG, or ``~/.cache/mscnk``)."""
    if os.environ.get("MSCNK_CACHE_DIR"):
        return Path(os.environ["MSCNK_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mscnk"


def _owned_by_me(info: os.stat_result) -> bool:
    if not hasattr(os, "geteuid"):  # pragma: no cover - not on POSIX: no owners to compare
        return True
    return info.st_uid == os.geteuid()


def trusted(info: os.stat_result) -> bool:
    """True for a regular file owned by this user that no one else may write."""
    return stat.S_ISREG(info.st_mode) and _owned_by_me(info) and not info.st_mode & OTHERS_WRITE


def _unusable(folder: Path) -> str | None:
    """Why ``folder`` cannot be the cache (None if it can): made, owned, private."""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = folder.stat()
    except OSError as error:
        return f"it cannot be created ({error.strerror or error})"
    if not stat.S_ISDIR(info.st_mode):
        return "it is not a folder"
    if not _owned_by_me(info):
        return f"it is owned by another user (uid {info.st_uid})"
    if stat.S_IMODE(info.st_mode) != 0o700:
        try:
            os.chmod(folder, 0o700)  # ours: make it private (files in it are checked one by one)
        except OSError as error:
            return f"its mode cannot be set to 0700 ({error.strerror or error})"
    if not os.access(folder, os.W_OK | os.X_OK):
        return "it is not writable"
    return None


def _private_temporary() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="mscnk-cache-"))  # 0700, new, this process's own
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def cache_folder() -> Path:
    """The private folder this process caches in (see the module's docstring)."""
    wanted = configured_folder()
    key = str(wanted)
    if key not in _RESOLVED:
        reason = _unusable(wanted)
        if reason is None:
            _RESOLVED[key] = wanted
        else:
            _RESOLVED[key] = _private_temporary()
            log.warning("mscnk: not caching compiled code in %s: %s; using %s for this process "
                        "only (set MSCNK_CACHE_DIR to a private folder to keep it)",
                        wanted, reason, _RESOLVED[key])
    return _RESOLVED[key]


def is_temporary(folder: Path) -> bool:
    """True if ``folder`` is this process's own temporary cache (gone when it exits)."""
    return folder != configured_folder()


def read_trusted(path: Path) -> bytes | None:
    """The bytes of a cache file, or None if it is missing or not trusted (see ``trusted``)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not trusted(info):
            log.warning("mscnk: ignoring %s in the cache: not a private file of this user "
                        "(owner uid %d, mode %o)", path, info.st_uid, stat.S_IMODE(info.st_mode))
            return None
        return file.read()


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, readable and writable by this user only."""
    write_atomically(path, lambda temporary: temporary.write_bytes(data), private=True)


def purge_untrusted(folder: Path, prefix: str) -> None:
    """Remove entries of ``folder`` starting with ``prefix`` that are not trusted files, and
    the folder itself if it is not a private folder of this user (numba's ``__pycache__``:
    numba loads what it finds there, and its index files are pickles)."""
    try:
        info = folder.lstat()
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(info.st_mode) or not _owned_by_me(info) or info.st_mode & OTHERS_WRITE:
        log.warning("mscnk: removing %s from the cache: not a private folder of this user",
                    folder)
        try:
            if stat.S_ISDIR(info.st_mode):
                shutil.rmtree(folder)
            else:
                folder.unlink()
        except OSError:  # another user's folder we cannot empty: move it out of the way
            folder.rename(folder.with_name(f"{folder.name}.untrusted.{os.getpid()}"))
        return
    for entry in folder.iterdir():
        if entry.name.startswith(prefix) and not trusted(entry.lstat()):
            log.warning("mscnk: removing %s from the cache: not a private file of this user",
                        entry)
            entry.unlink()


def make_private(folder: Path, prefix: str) -> None:
    """Clear group/other write bits on ``folder`` and this user's files in it starting with
    ``prefix`` (what numba wrote under a permissive umask), so later runs trust them."""
    if not folder.is_dir():
        return
    info = folder.lstat()
    if _owned_by_me(info) and info.st_mode & OTHERS_WRITE:
        os.chmod(folder, 0o700)
    for entry in folder.iterdir():
        info = entry.lstat()
        if (entry.name.startswith(prefix) and stat.S_ISREG(info.st_mode) and _owned_by_me(info)
                and info.st_mode & OTHERS_WRITE):
            os.chmod(entry, stat.S_IMODE(info.st_mode) & ~OTHERS_WRITE)
