"""Write build outputs atomically and compare them for `--check`.

Everything is compiled in memory first; only then are files written, each
to a temporary file in the output directory and renamed over the old one
(os.replace is atomic on POSIX). A failed build therefore never leaves a
half-written or mixed output behind.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator


def write_atomically(out_dir: str | Path, files: dict[str, str]) -> list[str]:
    """Write `files` into out_dir; returns the names whose content changed."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[str, Path]] = []
    try:
        for name, content in sorted(files.items()):
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=out)
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
            staged.append((name, Path(tmp)))
        changed = [name for name, _ in staged if _read(out / name) != files[name]]
        for name, tmp in staged:
            os.replace(tmp, out / name)
        staged = []
        return changed
    finally:
        for _, tmp in staged:
            tmp.unlink(missing_ok=True)


@contextmanager
def atomic_output(path: str | Path | None) -> Iterator[BinaryIO | None]:
    """A binary file that replaces `path` only if the block completes; a
    failed or interrupted run leaves the old file (or none) behind. Yields
    None when path is None, so callers need no second code path."""
    if path is None:
        yield None
        return
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent.resolve())
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
        os.replace(tmp, target)
        tmp = None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def differences(out_dir: str | Path, files: dict[str, str]) -> list[str]:
    """Human-readable list of how out_dir differs from what a build would write."""
    out = Path(out_dir)
    problems = []
    for name, content in sorted(files.items()):
        current = _read(out / name)
        if current is None:
            problems.append(f"{out / name}: missing")
        elif current != content:
            problems.append(f"{out / name}: out of date")
    return problems


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError, UnicodeDecodeError):
        return None
