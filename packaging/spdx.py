#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Adds (or checks) the SPDX license line on flatslice's own sources. Run by `./dev spdx` and `./dev lint`.

usage: spdx.py [--check] [ROOT]

C++ (*.h, *.cpp, *.in under core/ ui/ app/ tests/): `// SPDX-License-Identifier: GPL-3.0-or-later` as line 1.
Python, CMake and shell (*.py, CMakeLists.txt, *.cmake under the same folders and packaging/, the top-level
CMakeLists.txt, dev, .ci/*): `# SPDX-License-Identifier: GPL-3.0-or-later` as line 1, or right after a `#!` line
(and after a Python coding line, which must stay within the first two lines).

Idempotent: a file that already has an SPDX-License-Identifier line in its first three lines is left alone.
Only files git tracks are touched. Not touched: core/text/unicodetables.inc (generated tables) and
resources/remote-code/*.py (embedded in the binary and written next to every exported model, so their license is
the one users' exported models carry: decided separately). --check lists the files without the line and exits 1.
"""
import os
import re
import subprocess
import sys

LICENSE = "GPL-3.0-or-later"
TAG = "SPDX-License-Identifier:"
CPP_DIRS = ("core", "ui", "app", "tests")
CPP_SUFFIXES = (".h", ".cpp", ".in")
HASH_DIRS = CPP_DIRS + ("packaging",)
HASH_TOP = ("CMakeLists.txt", "dev")


def comment_style(path):
    """'//', '#' or None (not ours to label)."""
    top = path.split("/", 1)[0]
    name = os.path.basename(path)
    if top in CPP_DIRS and path.endswith(CPP_SUFFIXES):
        return "//"
    if path in HASH_TOP or path.startswith(".ci/"):
        return "#"
    if top in HASH_DIRS and (path.endswith((".py", ".cmake")) or name == "CMakeLists.txt"):
        return "#"
    return None


def insert_at(lines, style):
    """Index of the line before which the SPDX line goes."""
    i = 0
    if style == "#" and lines and lines[0].startswith("#!"):
        i = 1
    if style == "#" and len(lines) > i and re.match(r"^#.*coding[:=]", lines[i]):
        i += 1
    return i


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    root = os.path.abspath(args[0] if args else os.path.join(os.path.dirname(__file__), ".."))
    files = subprocess.run(["git", "-C", root, "ls-files", "-z"], check=True, capture_output=True).stdout
    missing, changed = [], 0
    for path in sorted(p for p in files.decode().split("\0") if p):
        style = comment_style(path)
        full = os.path.join(root, path)
        if style is None or not os.path.isfile(full) or os.path.islink(full):
            continue
        with open(full, "rb") as f:
            data = f.read()
        text = data.decode("utf-8")
        lines = text.splitlines(keepends=True)
        if any(TAG in line for line in lines[:3]):
            continue
        if check:
            missing.append(path)
            continue
        newline = "\r\n" if "\r\n" in text[:4096] else "\n"
        i = insert_at(lines, style)
        if i > 0 and not lines[i - 1].endswith(("\n", "\r")):
            lines[i - 1] += newline
        lines.insert(i, f"{style} {TAG} {LICENSE}{newline}")
        mode = os.stat(full).st_mode
        with open(full, "wb") as f:
            f.write("".join(lines).encode("utf-8"))
        os.chmod(full, mode)
        changed += 1
    if check:
        for path in missing:
            print(f"{path}: no {TAG} line")
        return 1 if missing else 0
    print(f"spdx: added the {LICENSE} line to {changed} files")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
