# SPDX-License-Identifier: GPL-3.0-or-later
"""Outside check of a flatslice session file (`*.flatslice.h5`) against docs/session-format.md, using h5py only.

Usage: check_session_h5py.py SESSION.flatslice.h5

A sample is written by the core tests when FLATSLICE_SESSION_SAMPLE is set:
    FLATSLICE_SESSION_SAMPLE=/tmp/sample.flatslice.h5 build/tests/flatslice_core_tests --gtest_filter='SessionFile.*'
and `flatslice analyze ... -o SESSION.flatslice.h5` writes real ones.

Checks that every documented group, attribute and dataset exists with the documented dtype and shape, that
eigenvectors are orthonormal to 1e-8 and eigenvalues descending, and that the small integer fields are in range.
Prints every problem found (not just the first) and exits 1 if there was any; otherwise prints a one-line summary.
Objects the document does not list are reported as notes, not problems (later versions may add them).
"""
import datetime
import json
import re
import sys

import h5py
import numpy as np

FORMAT = "flatslice-session"
SUPPORTED_VERSIONS = {1}
COS_BINS = 50
ORTHONORMAL_TOL = 1e-8

problems = []
notes = []


def problem(text):
    problems.append(text)


def is_utf8_vlen_string(dtype):
    info = h5py.check_string_dtype(dtype)
    return info is not None and info.length is None and info.encoding == "utf-8"


def check_attr(obj, name, kind):
    """kind: 'str', 'float64', 'int64', 'int32', 'uint64'. Returns the value or None."""
    where = f"{obj.name}@{name}"
    if name not in obj.attrs:
        problem(f"missing attribute {where}")
        return None
    attr_id = obj.attrs.get_id(name)
    if attr_id.shape not in ((), (1,)):
        problem(f"attribute {where} has shape {attr_id.shape}, expected a scalar")
        return None
    value = obj.attrs[name]
    if kind == "str":
        if not is_utf8_vlen_string(attr_id.dtype):
            problem(f"attribute {where} is {attr_id.dtype}, expected a variable-length UTF-8 string")
            return None
        return value
    if attr_id.dtype != np.dtype(kind):
        problem(f"attribute {where} is {attr_id.dtype}, expected {kind}")
        return None
    return value.item() if hasattr(value, "item") else value


def check_dataset(group, name, dtype, shape):
    """dtype: a numpy dtype name or 'str'. shape: a tuple, a list of allowed tuples, or None for any 1-D length.
    Returns the data or None."""
    path = f"{group.name.rstrip('/')}/{name}"
    if name not in group or not isinstance(group[name], h5py.Dataset):
        problem(f"missing dataset {path}")
        return None
    ds = group[name]
    if shape is None:
        allowed = [ds.shape] if ds.ndim == 1 else ["(n,)"]
    else:
        allowed = shape if isinstance(shape, list) else [shape]
    if ds.shape not in allowed:
        problem(f"dataset {path} has shape {ds.shape}, expected {' or '.join(map(str, allowed))}")
        return None
    if dtype == "str":
        if not is_utf8_vlen_string(ds.dtype):
            problem(f"dataset {path} is {ds.dtype}, expected variable-length UTF-8 strings")
            return None
        return list(ds.asstr()[()]) if ds.shape[0] else []
    if ds.dtype != np.dtype(dtype):
        problem(f"dataset {path} is {ds.dtype}, expected {dtype}")
        return None
    return ds[()]


def check_group(parent, name):
    if name not in parent or not isinstance(parent[name], h5py.Group):
        problem(f"missing group {parent.name.rstrip('/')}/{name}")
        return None
    return parent[name]


def note_extras(obj, datasets=(), attrs=()):
    for name in obj.attrs:
        if name not in attrs:
            notes.append(f"undocumented attribute {obj.name}@{name}")
    if isinstance(obj, h5py.Group):
        for name in obj:
            if name not in datasets:
                notes.append(f"undocumented object {obj.name.rstrip('/')}/{name}")


def check_spectrum(block, prefix, hidden, may_be_empty):
    path = f"{block.name}/{prefix}"
    shapes = [(hidden,), (0,)] if may_be_empty else (hidden,)
    values = check_dataset(block, f"{prefix}_eigenvalues", "float64", shapes)
    d = hidden if values is None else values.shape[0]
    vectors = check_dataset(block, f"{prefix}_eigenvectors", "float64", (d, d))
    dims = check_dataset(block, f"{prefix}_dims", "int64", (3,))
    if values is not None and d and np.any(np.diff(values) > 0):
        i = int(np.argmax(np.diff(values) > 0))
        problem(f"{path}_eigenvalues not descending at index {i}: {values[i]:.6g} < {values[i + 1]:.6g}")
    if vectors is not None and d:
        # Column j is the eigenvector of eigenvalue j: V^T V must be the identity.
        err = float(np.abs(vectors.T @ vectors - np.eye(d)).max())
        if not err <= ORTHONORMAL_TOL:
            problem(f"{path}_eigenvectors not orthonormal: max |V^T V - I| = {err:.3g} > {ORTHONORMAL_TOL}")
    if dims is not None and (np.any(dims < 0) or np.any(dims > d)):
        problem(f"{path}_dims {dims.tolist()} outside [0, {d}]")
    return d


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    with h5py.File(argv[1], "r") as f:
        root_attrs = ("format", "format_version", "flatslice_version", "created", "seconds")
        fmt = check_attr(f, "format", "str")
        if fmt != FORMAT:
            problem(f"/@format is {fmt!r}, expected {FORMAT!r}")
        version = check_attr(f, "format_version", "int32")
        if version is not None and version not in SUPPORTED_VERSIONS:
            problem(f"/@format_version {version} not in {sorted(SUPPORTED_VERSIONS)}")
        check_attr(f, "flatslice_version", "str")
        created = check_attr(f, "created", "str")
        if created is not None:
            try:
                datetime.datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ")
            except ValueError:
                problem(f"/@created {created!r} is not ISO 8601 UTC (YYYY-MM-DDTHH:MM:SSZ)")
        check_attr(f, "seconds", "float64")
        note_extras(f, ("model", "protocol", "similarity", "blocks", "warnings"), root_attrs)

        config = {}
        model = check_group(f, "model")
        if model is not None:
            for name in ("path", "format"):
                check_attr(model, name, "str")
            text = check_attr(model, "config_json", "str")
            try:
                config = json.loads(text) if text is not None else {}
            except json.JSONDecodeError as e:
                problem(f"/model@config_json is not JSON: {e}")
            files = check_dataset(model, "files", "str", None)
            shas = check_dataset(model, "file_sha256", "str", (len(files),) if files is not None else (0,))
            for sha in shas or []:
                if not re.fullmatch(r"[0-9a-f]{64}", sha):
                    problem(f"/model/file_sha256 entry {sha!r} is not 64 lowercase hex digits")
            note_extras(model, ("files", "file_sha256"), ("path", "format", "config_json"))

        protocol = check_group(f, "protocol")
        if protocol is not None:
            kinds = {"corpus_path": "str", "corpus_sha256": "str", "samples": "int64", "seqlen": "int64",
                     "seed": "uint64", "dtype": "str", "flatslice_version": "str", "corpus_tokens": "int64"}
            for name, kind in kinds.items():
                check_attr(protocol, name, kind)
            note_extras(protocol, (), tuple(kinds))

        for key in ("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads"):
            if not isinstance(config.get(key), int):
                problem(f"/model@config_json has no integer {key}")
        hidden = config.get("hidden_size", 0)
        channels = config.get("intermediate_size", 0)
        layers = config.get("num_hidden_layers", 0)
        heads = config.get("num_attention_heads", 0)

        similarity = check_group(f, "similarity")
        if similarity is not None:
            check_dataset(similarity, "any_to_any", "float64", (layers + 1, layers + 1))
            note_extras(similarity, ("any_to_any",))

        blocks = check_group(f, "blocks")
        parallel = 0
        if blocks is not None:
            expected = [f"{i:03d}" for i in range(layers)]
            if sorted(blocks) != expected:
                problem(f"/blocks holds {sorted(blocks)[:5]}..., expected {len(expected)} groups 000..{layers - 1:03d}")
            block_sets = ("cos_histogram", "head_score", "head_contribution", "head_act_norm", "head_weight_norm",
                          "channel_score", "channel_act_norm", "channel_weight_norm") + tuple(
                f"{p}_{s}" for p in ("attn", "mlp") for s in ("eigenvalues", "eigenvectors", "dims"))
            block_attrs = ("cos_in_out", "block_influence", "channel_lambda")
            for name in expected:
                block = check_group(blocks, name)
                if block is None:
                    continue
                for attr in block_attrs:
                    check_attr(block, attr, "float64")
                check_dataset(block, "cos_histogram", "float64", (COS_BINS,))
                check_spectrum(block, "attn", hidden, may_be_empty=False)
                if check_spectrum(block, "mlp", hidden, may_be_empty=True) == 0:
                    parallel += 1
                for s in ("score", "contribution", "act_norm", "weight_norm"):
                    check_dataset(block, f"head_{s}", "float64", (heads,))
                for s in ("score", "act_norm", "weight_norm"):
                    check_dataset(block, f"channel_{s}", "float64", (channels,))
                note_extras(block, block_sets, block_attrs)

        warnings = check_dataset(f, "warnings", "str", None)

    for text in notes:
        print(f"note: {text}")
    if problems:
        for text in problems:
            print(f"PROBLEM: {text}")
        print(f"{argv[1]}: {len(problems)} problem(s)")
        return 1
    print(f"{argv[1]}: ok (format_version {version}, {layers} blocks of which {parallel} with an empty MLP spectrum, "
          f"hidden {hidden}, heads {heads}, channels {channels}, {len(warnings or [])} warnings)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
