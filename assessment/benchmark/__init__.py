"""Benchmarking against peers: the read model of results kept beside the submissions (store) and
the service that decides who may see which cohort and computes it with scoring.benchmark
(service). Imports accounts and storage."""
