"""Stateless, seeded randomness: the same (seed, stream, index) always gives the same number.

Every random quantity in the house is a pure function of the seed and absolute time, so any
window can be computed on its own and two runs agree to the bit.
"""

from __future__ import annotations

import zlib

import numpy as np
from numpy.typing import NDArray

type FloatArray = NDArray[np.float64]
type IntArray = NDArray[np.int64]

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def floats(values: object) -> FloatArray:
    """Return ``values`` as a float64 array (numpy's arithmetic loses the dtype for mypy)."""
    return np.asarray(values, dtype=np.float64)


def stream_id(name: str) -> int:
    """Return a stable 32-bit id for a named random stream.

    CRC32 is the same in every run; ``hash()`` of a string is not.
    """
    return zlib.crc32(name.encode())


def _splitmix64(x: NDArray[np.uint64]) -> NDArray[np.uint64]:
    # Integer arithmetic wraps modulo 2**64 on uint64 arrays, which is what splitmix64 wants.
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return (z ^ (z >> np.uint64(31))) & _MASK64


def hash_uniform(seed: int, stream: str, index: IntArray | NDArray[np.int64]) -> FloatArray:
    """Uniform numbers in [0, 1), one per integer in ``index``."""
    key = np.uint64((seed * 0x100000001B3 + stream_id(stream)) & 0xFFFFFFFFFFFFFFFF)
    mixed = _splitmix64(np.asarray(index).astype(np.uint64) ^ _splitmix64(np.array([key]))[0])
    return floats((mixed >> np.uint64(11)).astype(np.float64) / float(1 << 53))


def hash_normal(seed: int, stream: str, index: IntArray) -> FloatArray:
    """Return standard normal numbers, one per integer in ``index`` (Box-Muller on two uniforms)."""
    index = np.asarray(index, dtype=np.int64)
    u1 = hash_uniform(seed, stream + "/a", index)
    u2 = hash_uniform(seed, stream + "/b", index)
    return floats(np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2))


def smooth_noise(seed: int, stream: str, t: FloatArray, knot_spacing: float) -> FloatArray:
    """Return a smooth random curve of unit variance through normal knots every ``knot_spacing`` s.

    Cosine interpolation between knots keeps it continuous and differentiable enough for
    weather; the knots depend only on their absolute index, so windows agree where they overlap.
    """
    position = np.asarray(t, dtype=np.float64) / knot_spacing
    left = np.floor(position).astype(np.int64)
    frac = position - left
    weight = (1.0 - np.cos(np.pi * frac)) / 2.0
    # Hash each knot once: a day of 10-second samples shares a few hundred knots.
    first = int(left.min()) if left.size else 0
    knots = hash_normal(seed, stream, np.arange(first, int(left.max()) + 2 if left.size else 1))
    a = knots[left - first]
    b = knots[left - first + 1]
    # Cosine blending shrinks the variance mid-way; rescale so it stays near one.
    blended = a * (1.0 - weight) + b * weight
    return floats(blended / np.sqrt((1.0 - weight) ** 2 + weight**2))


def day_rng(seed: int, stream: str, day_index: int) -> np.random.Generator:
    """Return a generator for events of one UTC day (appliances, cycling phase)."""
    return np.random.default_rng([seed, stream_id(stream), day_index + (1 << 20)])
