"""Result values shared by the agreement coefficients: the figure, its ingredients and a flag.

A coefficient is reported with its observed and expected (dis)agreement so that the report can
show what it rests on, and with a machine-readable note when the figure is a convention
(degenerate data) or absent (no data) rather than a measurement.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Literal

from partages_ls.errors import PartagesError

Basis = Literal["agreement", "disagreement"]


class AgreementInputError(PartagesError, ValueError):
    """Raised when data handed to an agreement function is malformed (ragged rows, bad level…)."""


class Note(StrEnum):
    """Why a figure is not an ordinary measurement; ``None`` on a result means it is one."""

    DEGENERATE = "degenerate"
    """Expected and observed disagreement are both 0 (e.g. one category only): value set to 1.0."""

    NO_DATA = "no_data"
    """Nothing to compute from (no pairable values, no units, no spans): value is ``None``."""

    UNDEFINED = "undefined"
    """Expected disagreement is 0 but observed is not; cannot happen with valid data."""


REASONS: dict[Note, str] = {
    Note.DEGENERATE: "no expected disagreement (a single category was used); set to 1.0 by convention",
    Note.NO_DATA: "no data to compute from",
    Note.UNDEFINED: "expected disagreement is 0 while observed is not",
}


@dataclass(frozen=True, slots=True)
class Agreement:
    """A chance-corrected coefficient with what it was computed from.

    ``observed``/``expected`` are agreements (``basis="agreement"``: κ, π, AC1) or disagreements
    (``basis="disagreement"``: α); ``n`` counts what the figure rests on (pairable values for α,
    rated pairs for κ and π, units for Fleiss' κ and AC1). ``note`` is ``None`` for an ordinary
    figure, otherwise a :class:`Note` explaining a conventional or missing value.
    """

    value: float | None
    observed: float | None
    expected: float | None
    basis: Basis
    n: int
    note: Note | None = None

    @property
    def degenerate(self) -> bool:
        """True when the value is the 1.0 convention for data without expected disagreement."""
        return self.note is Note.DEGENERATE

    @property
    def reason(self) -> str:
        """Human-readable explanation of ``note`` ("" for an ordinary figure)."""
        return REASONS[self.note] if self.note is not None else ""


def no_data(basis: Basis) -> Agreement:
    """The result of a coefficient computed over nothing."""
    return Agreement(None, None, None, basis, 0, Note.NO_DATA)


def from_agreements(observed: Fraction, expected: Fraction, basis_n: int) -> Agreement:
    """(P_o − P_e) / (1 − P_e), with the degenerate convention when P_e = 1."""
    if expected == 1:
        note = Note.DEGENERATE if observed == 1 else Note.UNDEFINED
        value = 1.0 if observed == 1 else None
        return Agreement(value, float(observed), float(expected), "agreement", basis_n, note)
    corrected = (observed - expected) / (1 - expected)
    return Agreement(float(corrected), float(observed), float(expected), "agreement", basis_n)


def from_disagreements(observed: float, expected: float, basis_n: int) -> Agreement:
    """1 − D_o / D_e, with the degenerate convention when D_e = 0."""
    if expected == 0:
        note = Note.DEGENERATE if observed == 0 else Note.UNDEFINED
        value = 1.0 if observed == 0 else None
        return Agreement(value, observed, expected, "disagreement", basis_n, note)
    return Agreement(1.0 - observed / expected, observed, expected, "disagreement", basis_n)
