"""`make bench`: starts the platform on free ports, measures it, writes BENCHMARKS.md."""
