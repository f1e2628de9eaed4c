#!/usr/bin/env python3
"""Independent safetensors reader for tests (numpy only).

Debian has no python3-safetensors package and PyPI is out of reach on our machines, so this
follows the reference implementation's validation rules (safetensors/src/tensor.rs,
`SafeTensors::read_metadata` + `Metadata::validate`): u64 little-endian header length, a JSON
object header of at most 100 MB, `__metadata__` of str -> str, entries with dtype/shape/
data_offsets, offsets that tile the data area exactly in offset order, and byte counts that match
shape x dtype size. Prints JSON: metadata and, per tensor, dtype, shape and the values as a list.

usage: read_safetensors.py FILE [NAME ...]
"""
import json
import struct
import sys

import numpy as np

DTYPES = {"F64": "<f8", "F32": "<f4", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
          "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1"}


def read(path):
    with open(path, "rb") as f:
        buf = f.read()
    if len(buf) < 8:
        raise ValueError("HeaderTooSmall")
    (n,) = struct.unpack("<Q", buf[:8])
    if n > 100_000_000:
        raise ValueError("HeaderTooLarge")
    if 8 + n > len(buf):
        raise ValueError("InvalidHeaderLength")
    header = json.loads(buf[8:8 + n].decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError("InvalidHeaderDeserialization")
    meta = header.pop("__metadata__", {})
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items()), "metadata must be str->str"
    data = buf[8 + n:]
    entries = sorted(header.items(), key=lambda kv: kv[1]["data_offsets"])
    start = 0
    out = {}
    for name, e in entries:
        b, en = e["data_offsets"]
        if b != start or en < b:
            raise ValueError(f"InvalidOffset({name})")
        start = en
        dt = np.dtype(DTYPES[e["dtype"]])
        nelem = int(np.prod(e["shape"])) if e["shape"] else 1
        if nelem * dt.itemsize != en - b:
            raise ValueError(f"TensorInvalidInfo({name})")
        out[name] = (e["dtype"], e["shape"], np.frombuffer(data[b:en], dtype=dt).reshape(e["shape"]))
    if start != len(data):
        raise ValueError("MetadataIncompleteBuffer")
    return meta, out


if __name__ == "__main__":
    meta, tensors = read(sys.argv[1])
    names = sys.argv[2:] or list(tensors)
    res = {"metadata": meta, "tensors": {}}
    for k in names:
        dtype, shape, arr = tensors[k]
        vals = [None if (isinstance(v, float) and v != v) else v for v in arr.ravel().tolist()]
        res["tensors"][k] = {"dtype": dtype, "shape": shape, "values": vals}
    print(json.dumps(res))
