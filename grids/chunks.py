"""Cutting a flat index range 0 … n−1 into contiguous chunks (the unit of parallel work and checkpoints)."""

from __future__ import annotations

from dataclasses import dataclass

from cevns.scanner.errors import ConfigError


@dataclass(frozen=True)
class Chunk:
    """Flat indices ``start`` … ``stop``−1; ``index`` numbers the chunk (0, 1, …)."""

    index: int
    start: int
    stop: int

    @property
    def size(self) -> int:
        return self.stop - self.start


def make_chunks(n_points: int, chunk_size: int) -> list[Chunk]:
    """Chunks of ``chunk_size`` points (the last one may be shorter) covering 0 … n_points−1 in order."""
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise ConfigError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    if n_points < 0:
        raise ConfigError(f"n_points must be >= 0, got {n_points!r}")
    return [Chunk(i, s, min(s + chunk_size, n_points)) for i, s in enumerate(range(0, n_points, chunk_size))]


def default_chunk_size(
    n_points: int,
    n_workers: int = 1,
    *,
    target_chunks_per_worker: int = 16,
    min_size: int = 1024,
    max_size: int = 65536,
) -> int:
    """A chunk size giving every worker several chunks (load balance, frequent checkpoints) while keeping
    per-chunk overhead small: ``n / (workers · 16)`` clipped to [1024, 65536] (and to ``n``)."""
    n_workers = max(1, int(n_workers))
    size = -(-n_points // (n_workers * target_chunks_per_worker))
    return max(1, min(max(size, min_size), max_size, max(n_points, 1)))
