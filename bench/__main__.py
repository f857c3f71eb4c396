"""Benchmark runner: `python -m bench [--database-url URL] [--n N]`."""

from bench.fire_vs_bare import main

main()
