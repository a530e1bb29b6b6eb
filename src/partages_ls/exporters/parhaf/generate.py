"""The dataset card (README.md) of a PARHAF subset written by partages-ls.

Its YAML header declares the configs and splits so ``datasets.load_dataset(folder, config)``
works, and gives each config a ``description`` holding the SHA-256 of its parquet files: `datasets`
keys its cache of a local folder on the folder's base name and the card's ``configs`` only (not on
the files), so without it two subsets in folders of the same name, or a re-export, would load
rows cached from another export. Its English body tells data engineers where the data comes from and what each column
holds. It carries no date or version of the tools, so identical input gives identical bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from partages_ls.exporters.parhaf.schema import ParhafTables, relative_path
from partages_ls.guides.model import Guide, Value


def _values(values: list[Value]) -> str:
    return ", ".join(f"`{v.hub_value}`" for v in values)


def _labels(guide: Guide, ids: list[str], separator: str = " | ") -> str:
    """Label ids as the hub values a reader of the parquet sees."""
    return separator.join(f"`{label.hub_value}`" if (label := guide.label(i)) else f"`{i}`" for i in ids)


def config_digests(folder: Path, built: ParhafTables) -> dict[str, str]:
    """SHA-256 of each config's parquet files as written in ``folder``, in split order."""
    digests = {}
    for config in built.rows:
        digest = hashlib.sha256()
        for split in built.splits:
            with (folder / relative_path(config, split)).open("rb") as handle:  # by blocks: files can be large
                while block := handle.read(1 << 20):
                    digest.update(block)
        digests[config] = digest.hexdigest()
    return digests


def config_description(guide: Guide, config: str, digest: str) -> str:
    """The ``description`` of a config in the card header; the digest makes `datasets` cache each content apart."""
    return f"{guide.cu} {guide.name} {config}, partages-ls export; parquet sha256 {digest}"


def _header(guide: Guide, built: ParhafTables, empty: list[str], digests: dict[str, str]) -> dict[str, Any]:
    configs = []
    for config in built.rows:
        files = [
            {"split": split, "path": relative_path(config, split)}
            for split in built.splits
            if relative_path(config, split) not in empty
        ]
        if files:  # `datasets` cannot load a config whose every split is empty
            entry: dict[str, Any] = {"config_name": config, "data_files": files}
            entry["description"] = config_description(guide, config, digests[config])
            configs.append(entry)
    tasks = []
    if guide.label_sets:
        tasks.append("token-classification")
    if guide.document_fields:
        tasks.append("text-classification")
    documents = sum(built.rows["document_metadata"].values())
    size = "n<1K" if documents < 1000 else "1K<n<10K" if documents < 10000 else "10K<n<100K"
    return {
        "configs": configs,
        "license": "cc-by-4.0",
        "language": ["fr"],
        "pretty_name": f"PARHAF {guide.cu} {guide.name} annotated subset (partages-ls export)",
        "task_categories": tasks,
        "tags": ["medical", "clinical", "french", "parhaf", "partages"],
        "size_categories": [size],
    }


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _statistics(guide: Guide, built: ParhafTables) -> list[str]:
    stats = built.stats()
    splits = built.splits
    lines = ["## Statistics", ""]
    head = ["split", "documents", "spans"] + (["relations"] if guide.relations else [])
    rows = [
        [split, str(stats["documents"][split]), str(stats["spans"][split])]
        + ([str(stats["relations"][split])] if guide.relations else [])
        for split in splits
    ]
    totals = ["**total**", *(str(sum(stats[k].values())) for k in head[1:])]
    lines += _table(head, [*rows, totals])
    if guide.label_sets:
        lines += ["Spans per label:", ""]
        rows = []
        for label_set in guide.label_sets:
            for label in label_set.labels:
                counts = [built.labels[(s, label_set.hub_span_type, label.hub_value)] for s in splits]
                cells = [f"`{label_set.hub_span_type}`", f"`{label_set.column}`", f"`{label.hub_value}`"]
                rows.append(cells + [str(c) for c in counts] + [str(sum(counts))])
        lines += _table(["span_type", "column", "label", *splits, "total"], rows)
    for spec in guide.document_fields:
        lines += [f"Documents per value of `{spec.column}`:", ""]
        rows = []
        for value in spec.values:
            counts = [built.field_values[(s, spec.column, value.hub_value)] for s in splits]
            rows.append([f"`{value.hub_value}`"] + [str(c) for c in counts] + [str(sum(counts))])
        lines += _table(["value", *splits, "total"], rows)
    return lines


def _columns(guide: Guide) -> list[str]:
    hub = guide.export.hub_columns
    lines = ["## Columns", "", "### `document_metadata` (one row per report)", ""]
    lines += [
        f"- `{hub.report}` (string): report id, the join key of every config.",
        f"- `{hub.full_text}` (string): the report text, never normalised; every offset refers to it.",
    ]
    for spec in guide.document_fields:
        several = " Several values are joined with `|`." if spec.multiple else ""
        lines.append(
            f"- `{spec.column}` (string, nullable): document-level field `{spec.name}`; one of "
            f"{_values(spec.values)}; null when unset.{several}"
        )
    lines += ["", "### `spans` (one row per span annotation)", ""]
    lines += [
        f"- `{hub.report}` (string): the report the span belongs to.",
        f"- `{hub.span_id}` (string): `<report>-T<n>`, numbered from 1 in row order within the report"
        + ("; relations point to it" if guide.relations else "")
        + ". Unique in the subset and stable across re-exports.",
        f"- `{hub.span_type}` (string): the annotation layer "
        f"({', '.join(f'`{ls.hub_span_type}`' for ls in guide.label_sets)}).",
        f"- `{hub.begin}`, `{hub.end}` (int64): offsets in Unicode code points, 0-based, end exclusive "
        "(`\\r\\n` counts 2, an emoji counts 1; UIMA counts UTF-16 units and differs outside the BMP).",
        f"- `{hub.span_text}` (string): `full_text[begin:end]`, checked on every row when writing.",
    ]
    for label_set in guide.label_sets:
        lines.append(
            f"- `{label_set.column}` (string, nullable): label of the `{label_set.hub_span_type}` spans; "
            f"one of {_values(list(label_set.labels))}."
        )
    for label_set in guide.label_sets:
        for attribute in label_set.attributes:
            lines.append(
                f"- `{attribute.column}` (string, nullable): attribute `{attribute.feature_name}` of the labels "
                f"{_labels(guide, attribute.applies_to, ', ')}; one of {_values(attribute.values)}; "
                "null where unset or not applicable."
            )
    if guide.relations:
        lines += ["", "### `relations` (one row per relation)", ""]
        kinds = ", ".join(
            f"`{r.hub_value}` ({_labels(guide, r.sources)} → {_labels(guide, r.targets)}"
            + ("" if r.directed else ", undirected: stored order kept")
            + ")"
            for r in guide.relations
        )
        lines += [
            f"- `{hub.report}` (string): the report of both spans.",
            f"- `{hub.relation_id}` (string): `<report>-R<n>`, numbered in row order within the report.",
            f"- `{hub.relation_type}` (string): {kinds}.",
            f"- `{hub.relation_source}`, `{hub.relation_target}` (string): `{hub.span_id}` of the source "
            "and target spans.",
        ]
    return [*lines, ""]


def _inferred(guide: Guide) -> list[str]:
    lines = ["## Inferred names", ""]
    lines.append(
        "The published subsets document only part of their naming. These names were deduced, not seen in "
        "a published file; check them against the hub dataset before merging:"
    )
    lines.append("")
    items = [f"- {item}" for item in guide.export.inferred]
    for label_set in guide.label_sets:
        items += [f"- label `{lab.hub_value}` of `{label_set.column}`" for lab in label_set.labels if lab.hub_inferred]
        for attribute in label_set.attributes:
            items += [f"- value `{v.hub_value}` of `{attribute.column}`" for v in attribute.values if v.hub_inferred]
    for spec in guide.document_fields:
        items += [f"- value `{v.hub_value}` of `{spec.column}`" for v in spec.values if v.hub_inferred]
    return [*lines, *(items or ["- (none declared by the guide)"]), ""]


def render_card(
    guide: Guide,
    built: ParhafTables,
    *,
    gold_policy: str,
    annotators: Sequence[str],
    empty: list[str],
    digests: dict[str, str],
) -> str:
    """The README.md text: YAML header, then provenance, statistics, columns and inferred names.

    ``digests`` maps each config to the SHA-256 of its parquet files (in split order).
    """
    header = yaml.safe_dump(_header(guide, built, empty, digests), sort_keys=False, allow_unicode=True, width=4096)
    count = len(set(annotators))
    lines = [
        "---",
        header.rstrip("\n"),
        "---",
        "",
        f"# PARHAF {guide.cu} `{guide.name}`: annotated subset exported by partages-ls",
        "",
        "Annotations of French clinical reports about fictitious patients (PARHAF, CC-BY 4.0), made in "
        f"Label Studio with the partages-ls guide `{guide.name}` and written in the parquet layout of the "
        f"published subset `{guide.export.hub_dataset}`, so that the two can be merged, compared or "
        "substituted.",
        "",
        "## Provenance",
        "",
        f"- Guide: `{guide.name}` version {guide.version} ({guide.cu}).",
        f"- Mirrors the hub dataset: [`{guide.export.hub_dataset}`]"
        f"(https://huggingface.co/datasets/{guide.export.hub_dataset}).",
        f"- Gold policy (which annotation of each report is exported): `{gold_policy}`.",
        f"- Annotators: {count} (identities not published).",
        "- Splits: " + ", ".join(f"`{s}`" for s in built.splits) + ".",
        "",
        "Load with `datasets.load_dataset(FOLDER, CONFIG)` where FOLDER is this folder and CONFIG is one of "
        + ", ".join(f"`{c}`" for c in built.rows)
        + ". Each config's `description` in the header above ends with the SHA-256 of its parquet files: "
        "`datasets` keys its cache of a local folder on the folder's name and this header only, so the "
        "digest is what makes another subset in a folder of the same name, or a re-export, load its own "
        "rows rather than rows cached from an earlier load. After editing a parquet file by hand (the "
        'digest then no longer matches it), pass `download_mode="force_redownload"`.',
        "",
    ]
    if empty:
        lines += [
            "Files without rows: "
            + ", ".join(f"`{p}`" for p in empty)
            + ". They are on disk with the right schema (no row group) but not declared in the header, "
            "because `datasets` cannot load a split that has no rows.",
            "",
        ]
    lines += _statistics(guide, built)
    lines += _columns(guide)
    lines += _inferred(guide)
    lines += ["## License", "", "CC-BY 4.0, like PARHAF.", ""]
    return "\n".join(lines)
