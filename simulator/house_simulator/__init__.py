"""House simulator: a deterministic house behind the real vendor APIs."""
