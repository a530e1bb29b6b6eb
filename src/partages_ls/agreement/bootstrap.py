"""Figures computed from per-document counts, and their bootstrap confidence intervals.

Every headline figure of the report is a function of counts summed over documents (matched spans,
contingency cells, rating patterns). The :class:`Ledger` keeps those counts per document; a figure
is registered with the function that turns summed counts into a value. The point estimate applies
it to the plain sums; each bootstrap sample applies it to the sums of a resample of documents (with
replacement, seeded), so point estimate and interval can never be computed two different ways.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from partages_ls.agreement.results import Agreement, Note

DEFAULT_SAMPLES = 1000
DEFAULT_SEED = 1
MAX_SAMPLES = 100_000  # bounds time and memory; 1000 already give stable 95% intervals
MAX_SEED = 2**32 - 1
CHUNK = 100
CHUNK_CELLS = 1_000_000
"""Most resampling weights drawn at once (samples × documents): 16 MB, whatever the corpus's size.
Drawing fewer rows at a time gives the same weights (``tests/agreement_report/test_streamed_sums.py``)."""

REASONS_FR: dict[Note, str] = {
    Note.NO_DATA: "aucune donnée sur laquelle calculer",
    Note.DEGENERATE: "une seule catégorie utilisée : désaccord attendu nul, valeur fixée à 1 par convention",
    Note.UNDEFINED: "désaccord attendu nul alors que le désaccord observé ne l'est pas",
}

Sums = Sequence[float]


class Measure(NamedTuple):
    """A value computed from sums, its note, and (optionally) a reason more precise than the note's."""

    value: float | None
    note: Note | None = None
    reason: str = ""


def no_data(reason: str) -> Measure:
    return Measure(None, Note.NO_DATA, reason)


def from_agreement(result: Agreement, reason: str = "") -> Measure:
    """A coefficient's result as a measure (its note kept, a French reason when there is no data)."""
    return Measure(result.value, result.note, reason if result.note is Note.NO_DATA else "")


def f1(matched: float, a: float, b: float, *, reason: str = "aucune zone chez l'un ni chez l'autre") -> Measure:
    """2·matched / (|A| + |B|), no data when neither side has an item."""
    total = a + b
    return no_data(reason) if total == 0 else Measure(2 * matched / total)


def ratio(part: float, whole: float, reason: str) -> Measure:
    return no_data(reason) if whole == 0 else Measure(part / whole)


@dataclass
class Figure:
    """A reported figure: value or ``None`` (with the reason), its note, and its 95 % interval."""

    value: float | None = None
    note: Note | None = None
    reason: str | None = None
    ci95: tuple[float, float] | None = None

    def set(self, measure: Measure) -> None:
        self.value = measure.value
        self.note = measure.note
        if measure.note is None:
            self.reason = None
        else:
            self.reason = measure.reason or REASONS_FR[measure.note]

    def as_json(self) -> dict[str, Any]:
        return {
            "value": _round(self.value),
            "ci95": None if self.ci95 is None else [_round(self.ci95[0]), _round(self.ci95[1])],
            "note": None if self.note is None else self.note.value,
            "reason": self.reason,
        }


def _round(value: float | None) -> float | None:
    """Six decimals: figures are read to three, and rounding keeps reports byte-stable across runs."""
    return None if value is None else round(float(value), 6)


GroupFunction = Callable[[Sums], Sequence[Measure]]


def _first(item: tuple[int, Any, Any]) -> int:
    return item[0]


class Ledger:
    """Per-document counts under named columns, and the figures computed from their sums."""

    def __init__(self, documents: Sequence[str]) -> None:
        self.documents = list(documents)
        self._row = {document: index for index, document in enumerate(self.documents)}
        self._columns: dict[Hashable, int] = {}
        self._cells: list[dict[int, float]] = [{} for _ in self.documents]
        self._packed: tuple[array[int], array[float]] = (array("I"), array("d"))
        self._packed_rows: list[tuple[int, int, int]] = []  # (row, start, end) in the packed arrays, by row
        self._groups: list[tuple[list[Figure], GroupFunction]] = []

    def column(self, key: Hashable) -> int:
        """The index of a column, created (all zero) on first use."""
        index = self._columns.get(key)
        if index is None:
            index = self._columns[key] = len(self._columns)
        return index

    def add(self, document: str, key: Hashable, value: float = 1.0) -> None:
        """Add ``value`` to the column ``key`` of ``document`` (a document outside the ledger is an error)."""
        cells = self._cells[self._row[document]]
        index = self.column(key)
        cells[index] = cells.get(index, 0.0) + value

    def cells(self, document: str) -> Iterator[tuple[Hashable, float]]:
        """The non-zero cells of one document's row, under their column keys."""
        keys = list(self._columns)
        for index, value in self._cells[self._row[document]].items():
            yield keys[index], value

    def load(
        self,
        columns: Iterable[Hashable],
        reports: Sequence[str],
        ends: Sequence[int],
        indices: array[int],
        values: array[float],
    ) -> None:
        """Fill an empty ledger: its columns in this order, then packed rows, taken as they are.

        Row ``n`` is the document ``reports[n]``: its cells are ``indices`` (column numbers) and
        ``values`` from ``ends[n - 1]`` (0 for the first) to ``ends[n]``. A few bytes a cell instead
        of a dict per document, and no copy.
        """
        for key in columns:
            self.column(key)
        self._packed = (indices, values)
        starts = [0, *ends][: len(ends)]
        self._packed_rows = sorted(zip((self._row[r] for r in reports), starts, ends, strict=True))

    def _entries(self) -> Iterator[tuple[int, int, float]]:
        """(row, column, value) of every cell, row by row (packed cells and added cells hold other columns)."""
        indices, values = self._packed
        for row, start, end in self._packed_rows:
            for position in range(start, end):
                yield row, indices[position], values[position]
        for row, cells in enumerate(self._cells):
            for index, value in cells.items():
                yield row, index, value

    def totals(self) -> list[float]:
        """The sums of every column over all documents (what point estimates are computed from).

        Each column gets its cells added one after another in :meth:`_entries`' order whatever the
        path: the packed rows by numpy, a row at a time (``add.at`` adds in the order given), then
        the other cells one by one; so the sums are the same floats as a plain loop's, without a
        Python step per packed cell nor a temporary as large as the packed cells.
        """
        indices, values = self._packed
        if self._packed_rows:
            import numpy as np  # a declared dependency, imported here only to keep the CLI's start fast

            summed = np.zeros(len(self._columns))
            cell_columns = np.frombuffer(indices, dtype=np.uint32)
            cell_values = np.frombuffer(values, dtype=np.float64)
            for _, start, end in self._packed_rows:
                np.add.at(summed, cell_columns[start:end], cell_values[start:end])
            result: list[float] = summed.tolist()
        else:
            result = [0.0] * len(self._columns)
        for cells in self._cells:
            for index, value in cells.items():
                result[index] += value
        return result

    def figures(self, count: int, function: GroupFunction) -> list[Figure]:
        """Register ``count`` figures computed together by ``function`` from summed columns."""
        created = [Figure() for _ in range(count)]
        self._groups.append((created, function))
        return created

    def figure(self, function: Callable[[Sums], Measure]) -> Figure:
        """Register one figure computed by ``function`` from summed columns."""
        return self.figures(1, lambda sums: (function(sums),))[0]

    def evaluate(self, samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> None:
        """Set every figure's value, then (``samples`` > 0) its percentile 95 % bootstrap interval."""
        totals = self.totals()
        live: list[tuple[list[Figure], GroupFunction]] = []
        for created, function in self._groups:
            measures = function(totals)
            for figure, measure in zip(created, measures, strict=True):
                figure.set(measure)
            if any(figure.value is not None for figure in created):
                live.append((created, function))
        if samples > 0 and self.documents and live:
            self._intervals(live, samples, seed)

    def _intervals(self, live: list[tuple[list[Figure], GroupFunction]], samples: int, seed: int) -> None:
        import numpy as np  # a declared dependency, imported here only to keep the CLI's start fast

        size = len(self.documents)
        # One line per column, one entry per document: resampled sums are weights × its transpose.
        matrix = np.zeros((max(1, len(self._columns)), size))
        packed_indices, packed_values = self._packed
        if self._packed_rows:  # row by row: no temporary as large as the packed cells
            cell_columns = np.frombuffer(packed_indices, dtype=np.uint32)
            cell_values = np.frombuffer(packed_values, dtype=np.float64)
            for row, start, end in self._packed_rows:
                matrix[cell_columns[start:end], row] = cell_values[start:end]
            # The matrix holds them now, and evaluate() is the ledger's last step: free them before drawing.
            del cell_columns, cell_values, packed_indices, packed_values
            self._packed, self._packed_rows = (array("I"), array("d")), []
        for row, cells_of_row in enumerate(self._cells):
            for index, value in cells_of_row.items():
                matrix[index, row] = value
        # Counts (whole or half numbers) sum exactly in any order: einsum on this thread. Other values
        # (IoUs of justification columns) go through the BLAS product on the original layout, so that
        # their sums keep the bits they always had.
        exact = size < 2**22 and all(map(_whole_or_half, matrix))
        blas = None if exact else np.ascontiguousarray(matrix.T)
        generator = np.random.default_rng(seed)
        uniform = np.full(size, 1.0 / size)
        drawn: list[list[list[float]]] = [[[] for _ in created] for created, _ in live]
        done = 0
        while done < samples:
            chunk = min(CHUNK, samples - done, max(1, CHUNK_CELLS // size))
            weights = generator.multinomial(size, uniform, size=chunk).astype(np.float64)
            # Not a BLAS product when it can be avoided: its worker threads kept spinning on the other
            # core while the figures below were computed, doubling this loop's CPU time; einsum's own
            # loop runs on this thread only, in a fraction of that.
            resampled = np.einsum("sd,cd->sc", weights, matrix, optimize=False) if blas is None else weights @ blas
            for sums in resampled.tolist():
                for values, (_, function) in zip(drawn, live, strict=True):
                    for bucket, measure in zip(values, function(sums), strict=True):
                        if measure.value is not None:
                            bucket.append(measure.value)
            done += chunk
        for values, (created, _) in zip(drawn, live, strict=True):
            for figure, bucket in zip(created, values, strict=True):
                if figure.value is not None and bucket:
                    low, high = np.quantile(np.asarray(bucket), [0.025, 0.975]).tolist()
                    figure.ci95 = (float(low), float(high))


def _whole_or_half(values: Any) -> bool:
    """Whether every value of a numpy array is a whole or half number small enough to add exactly.

    Below 2**30, weighted by resampling counts that add up to the number of documents (under 2**22),
    every partial sum stays a multiple of ½ under 2**53: exact whatever the order of the additions.
    """
    import numpy as np

    doubled = values * 2
    return bool(np.all((doubled == np.rint(doubled)) & (np.abs(doubled) < 2.0**31)))


class DocumentLedger(Ledger):
    """One document's row of a larger ledger, its columns numbered in that ledger's numbering.

    The streamed report counts each document on its own and packs its row at once: with the column
    numbers shared (``columns``, new keys numbered as they are first added, the order the packing
    used to give them), the row is packed as it stands, without looking every key up a second time.
    """

    def __init__(self, document: str, columns: dict[Hashable, int]) -> None:
        super().__init__([document])
        self.document = document
        self._columns = columns
        self.row = self._cells[0]  # column number → value, in the order first added

    def add(self, document: str, key: Hashable, value: float = 1.0) -> None:
        if document != self.document:
            raise KeyError(document)
        index = self._columns.get(key)
        if index is None:
            index = self._columns[key] = len(self._columns)
        row = self.row
        row[index] = row.get(index, 0.0) + value
