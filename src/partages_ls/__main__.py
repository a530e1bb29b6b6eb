"""`python -m partages_ls` runs the command-line interface."""

from __future__ import annotations

from partages_ls.cli.main import main

if __name__ == "__main__":
    main()
