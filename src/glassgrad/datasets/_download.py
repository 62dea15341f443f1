"""Downloading dataset files: atomically, and only when their MD5 checksum matches.

`download_url` streams a URL into a temporary file next to the destination, checks the file's MD5 against
the published one, and only then renames it into place (`os.replace` is atomic on one file system). An
interrupted or corrupted download therefore never leaves a half-written file under the real name. Only the
dataset classes call this, and only with `download=True`; tests replace `fetch` or use `file://` URLs, so
they need no network.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.request
from pathlib import Path
from typing import BinaryIO

# Some dataset hosts refuse Python's default user agent.
USER_AGENT = "glassgrad (https://github.com/glassgrad/glassgrad)"
TIMEOUT_S = 60


def md5_of(path: str | os.PathLike, chunk_size: int = 1 << 20) -> str:
    """The hex MD5 digest of a file, read in chunks (CIFAR-10's archive is 170 MB)."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_md5(path: str | os.PathLike, expected: str) -> None:
    """Raise ValueError naming the file when its MD5 differs from `expected`."""
    found = md5_of(path)
    if found != expected.lower():
        raise ValueError(
            f"checksum mismatch for {path}: expected md5 {expected}, found {found}; "
            "the file is corrupted or incomplete: delete it and download it again"
        )


def fetch(url: str, file: BinaryIO) -> None:
    """Copy the bytes at `url` (http, https or file) into the open binary `file`."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
        shutil.copyfileobj(response, file, length=1 << 20)


def download_url(url: str, path: str | os.PathLike, md5: str | None) -> Path:
    """Download `url` to `path`: fetch into a temporary file, verify `md5`, then rename into place.

    Raises ValueError (checksum mismatch) or OSError (network, disk); in both cases nothing is left at `path`
    and the temporary file is removed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as file:
            fetch(url, file)
        if md5 is not None:
            found = md5_of(temporary)
            if found != md5.lower():
                raise ValueError(
                    f"checksum mismatch for {path.name} downloaded from {url}: "
                    f"expected md5 {md5}, found {found}; "
                    "the download was corrupted or the server sent another file, so it was not saved"
                )
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    return path


def download_from_mirrors(mirrors: list[str], filename: str, folder: Path, md5: str | None) -> Path:
    """Try each mirror in turn for `filename`; raise OSError listing every failure if none works."""
    failures = []
    for mirror in mirrors:
        url = mirror + filename
        try:
            return download_url(url, folder / filename, md5)
        except (OSError, ValueError) as error:
            failures.append(f"  {url}: {error}")
    raise OSError(f"could not download {filename} into {folder}; tried:\n" + "\n".join(failures))
