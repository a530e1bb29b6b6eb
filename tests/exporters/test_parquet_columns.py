"""The parquet writer builds its columns without ``pa.array`` (which imports pandas wherever pandas is
installed): the arrays must be the ones ``pa.array`` gives, and a whole export must not import pandas."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partages_ls.exporters.parhaf.write import _column

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=8)  # what UTF-8 can hold


@settings(deadline=None)  # the first pa.array call imports pandas
@given(st.lists(st.one_of(st.none(), TEXT), max_size=30))
def test_a_string_column_is_the_array_pa_array_gives(values: list[str | None]) -> None:
    built = _column(tuple(values), pa.string())
    built.validate(full=True)
    assert built.type == pa.string() and built.equals(pa.array(values, pa.string()))


@settings(deadline=None)
@given(st.lists(st.integers(-(2**63), 2**63 - 1), max_size=30), st.booleans())
def test_an_integer_column_is_the_array_pa_array_gives(values: list[int], with_null: bool) -> None:
    column: list[int | None] = [*values, None] if with_null else list(values)
    built = _column(tuple(column), pa.int64())
    built.validate(full=True)
    assert built.type == pa.int64() and built.equals(pa.array(column, pa.int64()))


@pytest.mark.skipif(importlib.util.find_spec("pandas") is None, reason="pandas is not installed here")
def test_an_export_to_parquet_does_not_import_pandas(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import json, sys
        from pathlib import Path
        sys.path.insert(0, {str(Path(__file__).parent.parent.parent)!r})
        from tests.exporters.mutations import sample_export
        from partages_ls.content import bundled_workspace
        from partages_ls.workflows.export import ExportRequest, run_export
        export = Path({str(tmp_path)!r}) / "export.json"
        export.write_text(json.dumps(sample_export("infectiologie")), encoding="utf-8")
        request = ExportRequest(export, "parhaf", export.parent / "out", guide="infectiologie",
                                gold="annotator:camille.martin@exemple.fr")
        report = run_export(request, bundled_workspace())
        assert report["summary"]["documents_exported"] > 0, report["summary"]
        print("pandas" in sys.modules)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
