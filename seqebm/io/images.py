"""Binary images: MNIST IDX files (gzip or not) and ``.npy`` arrays, binarised at a threshold."""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pandas as pd

from seqebm.errors import ParseError, ShapeError
from seqebm.fileio import read_bytes
from seqebm.io.alphabets import BINARY
from seqebm.io.dataset import SequenceDataset
from seqebm.io.genotypes import load_npy

_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | Path) -> np.ndarray:
    """Array stored in IDX format (MNIST): magic ``00 00 <dtype> <ndim>``, big-endian dims, then data."""
    raw = read_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ParseError("not an IDX file (bad magic number)", path=path)
    ndim = raw[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise ParseError("truncated IDX header", path=path)
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    expected = int(np.prod(dims)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ShapeError(f"IDX data has {len(raw) - header} bytes, header {dims} needs {expected} (truncated?)", path=path)
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims)


def binarize(images: np.ndarray, threshold: float | None = None) -> np.ndarray:
    """{0,1} uint8 array: ``pixel > threshold``; default 127 for integers, 0.5 for floats in [0, 1]."""
    if threshold is None:
        threshold = 127 if np.issubdtype(images.dtype, np.integer) else 0.5
    return (images > threshold).astype(np.uint8)


def read_images(
    path: str | Path,
    threshold: float | None = None,
    image_shape: tuple[int, int] | None = None,
    limit: int | None = None,
) -> SequenceDataset:
    """Images from IDX (``*idx3-ubyte[.gz]``) or ``.npy`` ((N, H, W) or (N, H*W)), binarised, flattened to (N, H*W).

    ``image_shape`` checks the size of each image (a wrong size is an error); ``limit`` keeps the first images.
    """
    name = Path(path).name.lower()
    arr = load_npy(path) if name.endswith((".npy", ".npy.gz")) else read_idx(path)
    if arr.ndim == 3:
        shape = tuple(int(s) for s in arr.shape[1:])
    elif arr.ndim == 2:
        side = int(round(np.sqrt(arr.shape[1])))
        shape = (side, side) if side * side == arr.shape[1] else (1, int(arr.shape[1]))
    else:
        raise ShapeError(f"expected images of shape (N, H, W) or (N, H*W), got {arr.shape}", path=path)
    if image_shape is not None and tuple(image_shape) != shape:
        raise ShapeError(f"images are {shape[0]}x{shape[1]}, expected {image_shape[0]}x{image_shape[1]}", path=path)
    if np.issubdtype(arr.dtype, np.floating) and not np.isfinite(arr).all():
        raise ParseError("image data contain NaN/inf", path=path)
    if limit is not None:
        arr = arr[:limit]
    flat = binarize(arr.reshape(arr.shape[0], -1), threshold)
    names = [f"img{i}" for i in range(flat.shape[0])]
    return SequenceDataset(flat, BINARY, names, kind="images", source=str(path), shape=shape)


def read_idx_labels(path: str | Path, column: str = "digit") -> pd.Series:
    """IDX1 label vector (e.g. MNIST digits) as a Series."""
    arr = read_idx(path)
    if arr.ndim != 1:
        raise ShapeError(f"label IDX file must be 1-D, got shape {arr.shape}", path=path)
    return pd.Series(arr.astype(np.int64), name=column)
