"""Scan grids: axes (linear/log), 2D/3D grids in C order, chunking and adaptive refinement."""

from cevns.grids.axes import Axis
from cevns.grids.chunks import Chunk, default_chunk_size, make_chunks
from cevns.grids.grid import Grid

__all__ = ["Axis", "Chunk", "Grid", "default_chunk_size", "make_chunks"]
