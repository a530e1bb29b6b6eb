"""Inter-annotator agreement: chance-corrected coefficients, α_u for unitizing, span matching and F1.

Plain functions return ``float | None`` (``None`` = no data, reported as "n/a", never 0); the
``*_result`` functions return an :class:`Agreement` with observed/expected figures and a
:class:`Note` flag (``degenerate``: expected and observed disagreement both 0, value 1.0 by
convention; ``no_data``). Malformed input raises :class:`AgreementInputError` (a ``ValueError``).
"""

from __future__ import annotations

from partages_ls.agreement.coefficients import (
    cohen_kappa,
    cohen_kappa_counts,
    cohen_kappa_result,
    fleiss_kappa,
    fleiss_kappa_counts,
    fleiss_kappa_result,
    gwet_ac1,
    gwet_ac1_result,
    pair_counts,
    percent_agreement,
    scott_pi,
    scott_pi_counts,
    scott_pi_result,
)
from partages_ls.agreement.krippendorff import (
    LEVELS,
    Coincidences,
    Level,
    alpha_from_coincidences,
    coincidences,
    coincidences_from_units,
    krippendorff_alpha,
    krippendorff_alpha_result,
)
from partages_ls.agreement.matching import (
    MODES,
    F1Score,
    MatchResult,
    Mode,
    Span,
    SpanPair,
    match_spans,
    pairwise_f1,
    span_iou,
)
from partages_ls.agreement.results import Agreement, AgreementInputError, Note
from partages_ls.agreement.unitizing import UnitizingAgreement, UnitizingUnit, alpha_unitizing

__all__ = [
    "LEVELS",
    "MODES",
    "Agreement",
    "AgreementInputError",
    "Coincidences",
    "F1Score",
    "Level",
    "MatchResult",
    "Mode",
    "Note",
    "Span",
    "SpanPair",
    "UnitizingAgreement",
    "UnitizingUnit",
    "alpha_from_coincidences",
    "alpha_unitizing",
    "cohen_kappa",
    "cohen_kappa_counts",
    "cohen_kappa_result",
    "coincidences",
    "coincidences_from_units",
    "fleiss_kappa",
    "fleiss_kappa_counts",
    "fleiss_kappa_result",
    "gwet_ac1",
    "gwet_ac1_result",
    "krippendorff_alpha",
    "krippendorff_alpha_result",
    "match_spans",
    "pair_counts",
    "pairwise_f1",
    "percent_agreement",
    "scott_pi",
    "scott_pi_counts",
    "scott_pi_result",
    "span_iou",
]
