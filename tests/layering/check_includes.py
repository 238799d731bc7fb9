#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The include rules of docs/architecture.md, checked on the sources (ctest: layering/Includes).

1. core/ includes no Qt header.
2. ui/ and app/ include no torch header (torch/, ATen/, c10/), directly or through a core header they include:
   core's public surface is torch-free (Debian installs ATen/ and c10/ into /usr/include, so a compiler would not
   notice).
3. A core layer includes only its own headers and those of the layers it depends on, as declared by the
   flatslice_layer(NAME DEPENDS ...) calls in core/CMakeLists.txt, transitively. The build enforces this for
   every header a .cpp reaches; this also catches a header no .cpp includes yet.

Prints one line per violation (with the include chain for rule 2) and exits 1, else prints a summary and exits 0.
"""
import re
import sys
from pathlib import Path

ROOT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2]
CORE = ROOT / "core"
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
TORCH = re.compile(r"^(torch|ATen|c10)/")
QT = re.compile(r"^(Q[A-Za-z0-9]+|Qt[A-Za-z0-9]*/.*|qcustomplot\.h)$")
SOURCES = ("*.h", "*.cpp", "*.in", "*.inc")


def includes(path):
    return INCLUDE.findall(path.read_text(encoding="utf-8", errors="replace"))


def files(folder):
    for pattern in SOURCES:
        yield from sorted(folder.rglob(pattern))


def layer_graph():
    text = (CORE / "CMakeLists.txt").read_text()
    direct = {}
    for name, args in re.findall(r"^flatslice_layer\((\w+)([^)]*)\)", text, re.M):
        deps = re.search(r"DEPENDS((?:\s+\w+)+?)(?:\s+(?:PUBLIC|PRIVATE)\b|\s*$)", args)
        direct[name] = deps.group(1).split() if deps else []
    closure = {}

    def reach(name):
        if name not in closure:
            closure[name] = {name}
            for dep in direct.get(name, []):
                closure[name] |= reach(dep)
        return closure[name]

    for name in direct:
        reach(name)
    return closure


def torch_chain(header, seen, memo):
    """The include chain from a core header to a torch header, or None."""
    if header in memo:
        return memo[header]
    if header in seen:
        return None
    seen.add(header)
    path = CORE / header
    result = None
    if path.is_file():
        for kind, name in includes(path):
            if kind == "<" and TORCH.match(name):
                result = [header, "<" + name + ">"]
                break
            if kind == '"':
                chain = torch_chain(name, seen, memo)
                if chain:
                    result = [header] + chain
                    break
    memo[header] = result
    return result


def main():
    problems = []
    graph = layer_graph()
    if not graph:
        problems.append("core/CMakeLists.txt: no flatslice_layer(...) calls found")
    layers = set(graph)
    checked = 0
    for path in files(CORE):
        rel = path.relative_to(ROOT)
        own = path.relative_to(CORE).parts[0]
        for kind, name in includes(path):
            checked += 1
            if kind == "<" and QT.match(name):
                problems.append(f"{rel}: includes Qt <{name}> (core has no Qt)")
            if kind == '"' and "/" in name:
                target = name.split("/")[0]
                if target in layers and own in graph and target not in graph[own]:
                    problems.append(f'{rel}: includes "{name}" but layer {own} does not depend on {target} '
                                    f"(it may use: {', '.join(sorted(graph[own]))})")
    memo = {}
    for folder in ("ui", "app"):
        for path in files(ROOT / folder):
            rel = path.relative_to(ROOT)
            for kind, name in includes(path):
                checked += 1
                if kind == "<" and TORCH.match(name):
                    problems.append(f"{rel}: includes torch <{name}> (ui/ and app/ never include torch)")
                elif kind == '"' and (CORE / name).is_file():
                    chain = torch_chain(name, set(), memo)
                    if chain:
                        problems.append(f"{rel}: includes \"{name}\", which reaches torch: " + " -> ".join(chain))
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} include rule violations")
        return 1
    print(f"include rules hold: {checked} includes in core/, ui/, app/; layers: " +
          ", ".join(f"{k} -> {{{', '.join(sorted(v - {k}))}}}" for k, v in sorted(graph.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
