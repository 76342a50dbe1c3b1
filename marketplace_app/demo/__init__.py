"""Demo data for the embedded default: loaded once by `make run`."""
