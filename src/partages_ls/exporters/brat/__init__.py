"""brat standoff folders: ``schema`` (brat names), ``read``, ``write``, ``generate`` (annotation.conf, visual.conf)."""
