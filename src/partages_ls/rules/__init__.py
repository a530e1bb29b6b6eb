"""The rules of the guides: one table of rule kinds (``table.py``, which maps every rule's homes),
how each kind compiles and checks (``kinds.py``), the compiled JSON both engines read
(``compile.py``) and the Python engine (``engine.py``), twin of ``plugins/js/engine.js``."""
