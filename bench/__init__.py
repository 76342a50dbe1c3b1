"""Handoff's benchmarks (PRODUCT.md section 10): figures, never timed tests."""
