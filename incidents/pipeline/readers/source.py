"""Opening a source file: its hash, gzip, format and encoding found in one pass over its
bytes, and the size limits held before anything is written."""

from __future__ import annotations

import codecs
import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from incidents.pipeline.readers.chunks import UnreadableFile
from incidents.pipeline.scan import (
    READ_ERRORS,
    FileTooLarge,
    ReadLimits,
    Scan,
    scan_bytes,
    utf8_evidence,
)
from incidents.profiles import Profile


@dataclass
class SourceFile:
    path: Path
    format: str  # csv | json | geojson
    encoding: str
    gzipped: bool
    sha256: str
    size: int
    # Bytes that are not valid UTF-8 in a file read as UTF-8 all the same (the evidence said
    # UTF-8): the rows holding them are rejected as ``invalid_encoding``.
    bad_bytes: int = 0

    def open_binary(self):
        return gzip.open(self.path, "rb") if self.gzipped else open(self.path, "rb")


def inspect_file(path: Path, profile: Profile) -> SourceFile:
    """Hash the file, detect gzip, format and encoding in one pass over its bytes, and hold
    it to the size limits before anything is written."""
    path = Path(path)
    try:
        with open(path, "rb") as raw:
            gzipped = raw.read(2) == b"\x1f\x8b"
    except OSError as exc:
        raise UnreadableFile(
            _("Cannot open the file: %(error)s") % {"error": exc.strerror or _("read error")}
        ) from exc
    digest = hashlib.sha256()
    with open(path, "rb") as raw:
        for block in iter(lambda: raw.read(1 << 20), b""):
            digest.update(block)
    source = SourceFile(path, "", "", gzipped, digest.hexdigest(), path.stat().st_size)
    try:
        scan = scan_bytes(source, limits=ReadLimits.from_settings())
    except FileTooLarge as exc:
        raise UnreadableFile(str(exc)) from exc
    except READ_ERRORS as exc:
        raise UnreadableFile(_("The file is not a readable gzip file.")) from exc
    except OSError as exc:
        raise UnreadableFile(
            _("Cannot read the file: %(error)s") % {"error": exc.strerror or _("read error")}
        ) from exc
    if not scan.head.strip():
        raise UnreadableFile(_("The file is empty."))
    source.format = scan.format
    source.encoding = _encoding(scan, source, profile)
    return source


def _encoding(scan: Scan, source: SourceFile, profile: Profile) -> str:
    bom = scan.head.startswith(codecs.BOM_UTF8)
    if profile.encoding == "windows-1256" and not bom:
        return "cp1256"
    encoding = "utf-8-sig" if bom else "utf-8"
    if scan.utf8_ok:
        return encoding
    # Not valid UTF-8 throughout: decided on evidence, never by one bad byte.
    evidence = utf8_evidence(source)
    if evidence.mostly_utf8:
        if source.format != "csv":
            raise UnreadableFile(
                _("The file is UTF-8 text but for %(count)d invalid bytes; fix them and resend.")
                % {"count": evidence.invalid}
            )
        source.bad_bytes = evidence.invalid
        return encoding
    if profile.encoding == "auto":
        if b"\x00" in scan.head:
            raise UnreadableFile(_("The file is binary, not text."))
        return "cp1256"  # the Arabic Windows code page is the other encoding sources use here
    raise UnreadableFile(
        _("The file is not valid %(encoding)s text.") % {"encoding": profile.encoding}
    )
