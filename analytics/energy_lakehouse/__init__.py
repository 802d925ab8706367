"""Home Energy Lake analytics: the DuckDB lakehouse from Bronze to Silver and Gold."""
