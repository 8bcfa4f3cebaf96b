"""Fetch the Nu HTML Checker (vnu.jar) the tests validate pages with, once, and print its path.

The version is pinned and the package checked against its published sha512 integrity before it is
unpacked into .cache/vnu/<version>/ (not committed); later runs reuse it without a network.
Usage: python scripts/fetch_vnu.py  (prints the path of vnu.jar)
"""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "26.9.27"
TARBALL = f"https://registry.npmjs.org/vnu-jar/-/vnu-jar-{VERSION}.tgz"
INTEGRITY = "sha512-TkQd5DFfOaWC9ebtvozTsrH2Vaod3jYg+vrOeREzIXxBexLz9+rS2DNtjn7+RPUiZhgli0SghgBX6RJRNea0KA=="
JAR = Path(__file__).resolve().parents[1] / ".cache" / "vnu" / VERSION / "vnu.jar"


def fetch() -> Path:
    if JAR.exists():
        return JAR
    with urllib.request.urlopen(TARBALL, timeout=120) as response:
        package = response.read()
    digest = "sha512-" + base64.b64encode(hashlib.sha512(package).digest()).decode()
    if digest != INTEGRITY:
        raise SystemExit(f"{TARBALL} does not match its pinned integrity ({digest})")
    with tarfile.open(fileobj=io.BytesIO(package), mode="r:gz") as archive:
        member = archive.extractfile("package/build/dist/vnu.jar")
        if member is None:
            raise SystemExit(f"{TARBALL} holds no vnu.jar")
        JAR.parent.mkdir(parents=True, exist_ok=True)
        partial = JAR.with_suffix(".part")
        partial.write_bytes(member.read())
        partial.replace(JAR)
    return JAR


if __name__ == "__main__":
    try:
        print(fetch())
    except OSError as error:
        sys.exit(f"Could not fetch the Nu HTML Checker {VERSION}: {error}")
