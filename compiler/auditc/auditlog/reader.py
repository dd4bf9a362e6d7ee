"""Audit log inputs for `auditc replay`: files, .gz, rotated directories, stdin.

Everything streams: line files are read in chunks and handed on as blobs of
whole lines; JSON arrays are read element by element; `EventList`
documents (what the apiserver's audit webhook posts, at most
--audit-webhook-batch-max-size events each) are decoded one document at a
time. Memory stays bounded by the chunk size and the largest document.
"""

from __future__ import annotations

import json
import re
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterator

CHUNK = 1 << 20  # bytes per read; also the target size of a blob
_LUMBERJACK = re.compile(r"-(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}(?:\.\d+)?)(?:\.[^.]+)?$")
_NUMBERED = re.compile(r"\.(\d+)$")


@dataclass
class Blob:
    """Whole lines joined by '\\n' (no trailing newline), and where they came from."""

    data: bytes
    source: str
    first_line: int  # 1-based line (or document item) number of the blob's first line
    item_mode: bool = False  # lines are re-serialised items of JSON documents
    # item mode: for each item, the source line its JSON value starts on and, for items of an
    # EventList, the index in its `items`
    item_refs: list[tuple[int, int | None]] = field(default_factory=list)

    def ref(self, k: int) -> str:
        """`file:line` of the blob's k-th line (1-based), as compilers print locations; items of an
        EventList add their index (`audit.json:12 (items[3])`)."""
        if not self.item_mode:
            return f"{self.source}:{self.first_line + k - 1}"
        if 0 < k <= len(self.item_refs):
            line, index = self.item_refs[k - 1]
            return f"{self.source}:{line}" + (f" (items[{index}])" if index is not None else "")
        return f"{self.source}: item {self.first_line + k - 1}"


@dataclass
class InputIssue:
    """Input that could not be read to its end: a truncated .gz, a broken JSON document, an
    unreadable file. Commands report these and exit 1 (the numbers cover only what was read)."""

    source: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}" if self.line else f"{self.source}: {self.message}"


@dataclass
class InputState:
    issues: list[InputIssue] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    bytes_read: int = 0


def rotation_key(path: Path) -> tuple:
    """Oldest first: timestamped backups (kube-apiserver's own rotation,
    audit-2026-11-20T10-00-00.000.log), then logrotate numbers from the
    highest (audit.log.3 before audit.log.1), then the live file."""
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    m = _LUMBERJACK.search(name)
    if m:
        return (0, m.group(1), 0, path.name)
    m = _NUMBERED.search(name)
    if m:
        return (1, "", -int(m.group(1)), path.name)
    return (2, "", 0, path.name)


def expand_paths(paths: list[str]) -> list[str]:
    """Directories become their files in rotation order; '-' is stdin."""
    out: list[str] = []
    for p in paths:
        if p == "-":
            out.append(p)
            continue
        path = Path(p)
        if path.is_dir():
            files = [f for f in path.iterdir() if f.is_file() and not f.name.startswith(".")]
            out.extend(str(f) for f in sorted(files, key=rotation_key))
        else:
            out.append(p)
    return out


def _open(source: str) -> BinaryIO:
    if source == "-":
        return sys.stdin.buffer
    return open(source, "rb")


class _TruncatedGzip(Exception):
    pass


def _gunzip(raw: Iterator[bytes]) -> Iterator[bytes]:
    """Decompress a gzip stream chunk by chunk, keeping everything before a
    cut (gzip.GzipFile.read drops the data of a read that hits one) and
    following concatenated members, as `zcat` does."""
    d = None  # the current member's decompressor; None between members
    for chunk in raw:
        while chunk:
            if d is None:
                d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out = d.decompress(chunk)
            if out:
                yield out
            if d.eof:
                chunk, d = d.unused_data, None
            else:
                chunk = b""
    if d is not None:  # the input ended inside a member
        tail = d.flush()
        if tail:
            yield tail
        raise _TruncatedGzip()


def read_blobs(paths: list[str], state: InputState) -> Iterator[Blob]:
    for source in expand_paths(paths):
        state.sources.append(source)
        try:
            fh = _open(source)
        except OSError as exc:
            state.issues.append(InputIssue(source, f"cannot open: {exc.strerror or exc}"))
            continue
        try:
            yield from _read_source(fh, source, state)
        finally:
            if fh is not sys.stdin.buffer:
                fh.close()


def _raw(fh: BinaryIO, state: InputState) -> Iterator[bytes]:
    # read1: one system call per chunk. read(CHUNK) loops in C until CHUNK bytes or EOF, so a
    # Ctrl-C arriving while it waits on a pipe kept open (`tail -f ... | auditc replay -`) is
    # only acted on when more input comes; read1 returns to Python, where it raises at once.
    read = getattr(fh, "read1", fh.read)
    while True:
        chunk = read(CHUNK)
        if not chunk:
            return
        state.bytes_read += len(chunk)
        yield chunk


def _chunks(fh: BinaryIO, source: str, state: InputState, trouble: list[str]) -> Iterator[bytes]:
    """Decompressed chunks; a truncated or corrupt gzip stream ends the source and is noted in `trouble`."""
    raw = _raw(fh, state)
    stream = _gunzip(raw) if source.endswith(".gz") else raw
    try:
        yield from stream
    except _TruncatedGzip:
        trouble.append("truncated gzip stream")
    except (zlib.error, OSError) as exc:
        trouble.append(f"unreadable: {exc}")


def _read_source(fh: BinaryIO, source: str, state: InputState) -> Iterator[Blob]:
    where = [0]  # lines (document mode: the line reached) handed on so far, for issue messages
    trouble: list[str] = []
    chunks = _chunks(fh, source, state, trouble)
    # Decide the format on a complete first line (or the whole input).
    first = b""
    for chunk in chunks:
        first += chunk
        if first.strip() and b"\n" in first.lstrip():
            break
    if _is_document_stream(first):
        yield from _documents(first, chunks, source, state, where)
    else:
        yield from _lines(first, chunks, source, where)
    for what in trouble:  # after the last blob, so the line named is the last one read
        after = f"stopped after line {where[0]}" if where[0] else "nothing could be read"
        state.issues.append(InputIssue(source, f"{what}; {after}"))


def _is_document_stream(head: bytes) -> bool:
    """JSON lines, or JSON documents (arrays, EventLists, pretty-printed objects)?"""
    text = head.lstrip()
    if text.startswith(b"["):
        return True
    if not text.startswith(b"{"):
        return False
    line = text.split(b"\n", 1)[0]
    try:
        value = json.loads(line)
    except ValueError:
        return True  # a multi-line (pretty-printed) document
    return isinstance(value, dict) and value.get("kind") == "EventList"


def _lines(first: bytes, chunks: Iterator[bytes], source: str, where: list[int]) -> Iterator[Blob]:
    pending = first
    for chunk in chunks:
        pending += chunk
        if len(pending) < CHUNK:
            continue
        cut = pending.rfind(b"\n")
        if cut < 0:
            continue  # a single enormous line: keep reading
        data, pending = pending[:cut], pending[cut + 1:]
        yield Blob(data, source, where[0] + 1)
        where[0] += data.count(b"\n") + 1
    if pending.endswith(b"\n"):
        pending = pending[:-1]
    if pending:
        yield Blob(pending, source, where[0] + 1)
        where[0] += pending.count(b"\n") + 1


def _documents(first: bytes, chunks: Iterator[bytes], source: str, state: InputState,
               where: list[int]) -> Iterator[Blob]:
    """Concatenated JSON values: arrays are streamed element by element,
    objects are an EventList (its items) or a single event."""
    decoder = json.JSONDecoder()
    buf = first.decode("utf-8", "replace")
    pos = 0
    items: list[bytes] = []
    refs: list[tuple[int, int | None]] = []
    size = 0
    item_no = 0
    depth_array = False  # inside a top-level '[' ... ']'
    exhausted = False
    line_no, mark = 1, 0  # the source line at buf[mark]; advanced as positions are asked for

    def line_of(p: int) -> int:
        nonlocal line_no, mark
        line_no += buf.count("\n", mark, p)
        mark = p
        return line_no

    def trim(k: int) -> None:
        """Drop buf[:k] (already decoded), keeping the line count."""
        nonlocal buf, mark
        line_of(max(k, mark))
        buf, mark = buf[k:], mark - k

    def more() -> bool:
        nonlocal buf, pos, exhausted
        chunk = next(chunks, None)
        if chunk is None:
            exhausted = True
            return False
        trim(pos)
        buf += chunk.decode("utf-8", "replace")
        pos = 0
        return True

    def flush() -> Iterator[Blob]:
        nonlocal items, refs, size
        if items:
            yield Blob(b"\n".join(items), source, item_no - len(items) + 1, item_mode=True, item_refs=refs)
            items, refs, size = [], [], 0

    while True:
        while pos < len(buf) and buf[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(buf):
            if exhausted or not more():
                break
            continue
        if buf[pos] == "[" and not depth_array:
            depth_array = True
            pos += 1
            continue
        if buf[pos] == "]" and depth_array:
            depth_array = False
            pos += 1
            continue
        try:
            value, end = decoder.raw_decode(buf, pos)
        except ValueError as exc:
            if not exhausted and more():
                continue
            state.issues.append(InputIssue(source, f"invalid JSON document: {exc.msg}; rest of input skipped",
                                           line_of(exc.pos)))
            break
        start_line = line_of(pos)
        pos = end
        if pos > CHUNK:  # keep the buffer small
            trim(pos)
            pos = 0
        is_list = isinstance(value, dict) and value.get("kind") == "EventList"
        events = value.get("items") if is_list else [value]
        for index, event in enumerate(events if isinstance(events, list) else [events]):
            item_no += 1
            if isinstance(event, dict):
                text = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
            else:
                text = json.dumps(event).encode()  # not a map: counted as malformed downstream
            items.append(text)
            refs.append((start_line, index if is_list else None))
            size += len(text)
            if size >= CHUNK:
                yield from flush()
        where[0] = start_line
    yield from flush()
