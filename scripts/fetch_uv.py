"""Install uv into a folder with nothing but this Python's standard library and PyPI.

The last resort of scripts/bootstrap, for a Python that has neither pip nor venv (Debian's python3 without
python3-pip / python3-venv): it reads PyPI's simple index (the JSON form pip uses, PEP 691), takes the uv
wheel built for this platform, checks its sha256 and unpacks the `uv` binary.
Usage: python3 scripts/fetch_uv.py VERSION DEST_BIN_DIR
"""

from __future__ import annotations

import hashlib
import io
import json
import platform
import stat
import sys
import urllib.request
import zipfile
from pathlib import Path

ARCHES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}


def platform_fragments() -> list[str]:
    """Wheel platform-tag fragments that fit this machine, best first."""
    arch = ARCHES.get(platform.machine().lower(), platform.machine().lower())
    if sys.platform == "darwin":
        return [f"macosx_10_12_{arch}", f"macosx_11_0_{'arm64' if arch == 'aarch64' else arch}"]
    libc = "musllinux" if platform.libc_ver()[0] != "glibc" else "manylinux"
    return [f"{libc}_1_1_{arch}", f"{libc}_2_17_{arch}", f"{libc}_2_28_{arch}", f"{libc}2014_{arch}"]


def main(version: str, dest: Path) -> None:
    request = urllib.request.Request(
        "https://pypi.org/simple/uv/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        files = json.load(response)["files"]
    prefix = f"uv-{version}-"
    wheels = [f for f in files if f["filename"].startswith(prefix) and f["filename"].endswith(".whl")]
    for fragment in platform_fragments():
        chosen = next((f for f in wheels if fragment in f["filename"]), None)
        if chosen:
            break
    else:
        raise SystemExit(f"no uv {version} wheel on PyPI fits {sys.platform}/{platform.machine()}; "
                         "install uv yourself (https://docs.astral.sh/uv/) and run again")
    with urllib.request.urlopen(chosen["url"], timeout=300) as response:
        body = response.read()
    if hashlib.sha256(body).hexdigest() != chosen["hashes"]["sha256"]:
        raise SystemExit(f"{chosen['filename']}: sha256 does not match PyPI's; try again")
    with zipfile.ZipFile(io.BytesIO(body)) as wheel:
        (member,) = [n for n in wheel.namelist() if n.endswith("/scripts/uv")]
        dest.mkdir(parents=True, exist_ok=True)
        target = dest / "uv"
        target.write_bytes(wheel.read(member))
    target.chmod(target.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
