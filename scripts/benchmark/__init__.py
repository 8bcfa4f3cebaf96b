"""Benchmark floors: hand-written SQL doing exactly the work of the code a benchmark measures."""
