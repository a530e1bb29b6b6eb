"""CAS JSON text, byte for byte what cassis's ``cas.to_json(pretty_print=True, ensure_ascii=False)`` writes.

cassis builds the same data for every file and hands it to ``json.dumps(indent=2)``, whose indented
output runs in pure Python (the C encoder only writes compact JSON): that was half of ``export --to
cas``. Here the data is the one cassis builds (its own serializer turns each feature structure and
view into a dict), the type system part is built once per type system instead of once per file,
and msgspec writes the text: its indented output is the standard library's for the values a CAS
holds (objects, lists, strings, integers, booleans, null). A type system with floating-point
features (whose text the two encoders may write differently) or a value msgspec refuses goes to
cassis's own writer, so the text is always cassis's (``tests/exporters/test_cas_json_out.py``).
"""

from __future__ import annotations

from typing import Any

import cassis
import msgspec
from cassis.json import (
    FEATURE_STRUCTURES_FIELD,
    NAME_FIELD,
    TYPES_FIELD,
    VIEWS_FIELD,
    CasJsonSerializer,
)
from cassis.typesystem import TYPE_NAME_DOCUMENT_ANNOTATION

# Range types whose values cassis writes as floats: msgspec and json may spell them differently.
_FLOATING = frozenset({"uima.cas.Float", "uima.cas.Double", "uima.cas.FloatArray", "uima.cas.DoubleArray"})

_types_cache: dict[int, tuple[Any, dict[str, Any] | None]] = {}


def _types(serializer: CasJsonSerializer, typesystem: Any) -> dict[str, Any] | None:
    """The ``%TYPES`` object of a full type system (None when it has floating-point features), once per
    type system: it is the same in every file."""
    cached = _types_cache.get(id(typesystem))
    if cached is not None and cached[0] is typesystem:
        return cached[1]
    everything = sorted(typesystem.get_types(), key=lambda t: t.name)
    types: dict[str, Any] | None = None
    if not any(feature.rangeType.name in _FLOATING for t in everything for feature in t.all_features):
        serialized = (serializer._serialize_type(t) for t in everything if t.name != TYPE_NAME_DOCUMENT_ANNOTATION)
        types = {json_type[NAME_FIELD]: json_type for json_type in serialized}
    _types_cache.clear()  # one type system at a time: an export writes one guide
    _types_cache[id(typesystem)] = (typesystem, types)
    return types


def new_cas(typesystem: Any, text: str, mime: str) -> Any:
    """A CAS of ``typesystem`` holding ``text``: what ``cassis.Cas(typesystem=…, sofa_string=text,
    sofa_mime=mime)`` builds, without its offset tables when nothing needs them.

    Setting the sofa string makes cassis map every code point offset to its UTF-16 offset and back
    (two dictionaries as long as the text, filled character by character: about 40% of ``export --to
    cas``). For a text without characters beyond U+FFFF, the two offsets are equal, and cassis's
    converter without tables answers each offset with itself: the same offsets, the same JSON
    (``tests/exporters/test_cas_json_out.py``). Other texts, and texts UTF-16 cannot encode (a lone
    surrogate, refused before this is reached), take cassis's own setter; so does any text when the
    sofa does not give back the text set this way (a cassis whose internals changed).
    """
    cas = cassis.Cas(typesystem=typesystem)
    try:
        same_offsets = len(text.encode("utf-16-le")) == 2 * len(text)
    except UnicodeEncodeError:
        same_offsets = False
    if same_offsets:
        try:
            cas.get_sofa()._sofaString = text
        except AttributeError:  # a cassis that keeps the text elsewhere: its own setter, below
            same_offsets = False
        else:
            same_offsets = cas.sofa_string is text
    if not same_offsets:
        cas.sofa_string = text
    cas.sofa_mime = mime
    return cas


def fast_path_for(typesystem: Any) -> bool:
    """Whether CAS of this type system are written here (else by cassis: floating-point features)."""
    return _types(CasJsonSerializer(), typesystem) is not None


def cas_json(cas: Any) -> str:
    """The pretty-printed CAS JSON of ``cas`` (full type system, non-ASCII characters as written)."""
    serializer = CasJsonSerializer()
    types = _types(serializer, cas.typesystem)
    if types is None:
        return str(cas.to_json(pretty_print=True, ensure_ascii=False))
    # Same calls in the same order as cassis's serializer: finding the structures numbers any without an id.
    structures: list[dict[str, Any]] = []
    views: dict[str, Any] = {}
    for view in cas.views:
        views[view.sofa.sofaID] = serializer._serialize_view(view)
        if view.sofa.sofaArray:
            structures.append(serializer._serialize_feature_structure(view.sofa.sofaArray))
        structures.append(serializer._serialize_feature_structure(view.sofa))
    for fs in sorted(cas._find_all_fs(include_inlinable_arrays_and_lists=True), key=lambda a: a.xmiID):
        structures.append(serializer._serialize_feature_structure(fs))
    data = {TYPES_FIELD: types, FEATURE_STRUCTURES_FIELD: structures, VIEWS_FIELD: views}
    try:
        return msgspec.json.format(msgspec.json.encode(data), indent=2).decode("utf-8")
    except (UnicodeEncodeError, TypeError, ValueError, OverflowError, msgspec.EncodeError):
        return str(cas.to_json(pretty_print=True, ensure_ascii=False))
