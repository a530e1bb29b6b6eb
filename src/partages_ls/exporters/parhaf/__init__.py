"""PARHAF parquet subsets: ``schema`` (configs, columns), ``read``, ``write``, ``generate`` (dataset card)."""
