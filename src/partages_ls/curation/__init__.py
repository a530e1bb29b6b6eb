"""Curation: merge annotations, prepare and read curation in Label Studio."""
