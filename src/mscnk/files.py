"""Writing a file whole: through a hidden temporary beside it, then one rename.

The one atomic writer of the package: the results store, the CLI's outputs, figures and the
private kernel cache all write through :func:`write_atomically`, so a reader never sees half
a file and a crash leaves at most a hidden temporary (``.NAME.XXXXXXXX``) behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Callable


def write_atomically(path: Path, writer: Callable[[Path], Any], *, private: bool = False) -> None:
    """Call ``writer(temporary)``, then rename the temporary onto ``path``.

    The temporary is created exclusively (``mkstemp``: a fresh random name, never through a
    link). ``private``: the file is readable and writable by this user only (0600); else it
    gets the user's default mode (0666 less the umask).
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(handle)
    try:
        writer(Path(temporary))
        if not private:
            os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
