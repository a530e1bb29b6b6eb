"""UIMA CAS JSON (INCEpTION): ``schema`` (type system naming), ``read``, ``write``, ``generate`` (typesystem.xml)."""
