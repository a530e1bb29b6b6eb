"""Write the "annotateur vs référence" section: ``reference.json``, ``reference.md`` (French), a CSV of differences."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from partages_ls.agreement.matching import MODES

MODE_FR = {"exact": "exact", "overlap": "chevauchement", "boundary": "frontières"}
COLUMNS = ("annotateur", "document", "type", "debut", "fin", "texte", "annotateur_dit", "reference_dit")


def _figure(figure: dict[str, Any]) -> str:
    value = figure.get("value")
    if value is None:
        return f"n/d ({figure.get('reason') or 'aucune donnée'})"
    ci = figure.get("ci95")
    return f"{value:.3f}" + (f" [{ci[0]:.3f} ; {ci[1]:.3f}]" if ci else "")


def render_markdown(section: dict[str, Any]) -> str:
    reference = section["reference"]
    lines = [
        f"# Annotateur vs référence : {reference['title']}",
        "",
        f"Référence : {reference['documents']} compte(s) rendu(s). Chaque annotateur est comparé à la référence "
        "sur les comptes rendus qu'ils ont en commun ; intervalles de confiance à 95 % par bootstrap "
        "sur les documents.",
        "",
    ]
    for caveat in reference.get("caveats", []):
        lines += [f"> **Attention :** {caveat}", ""]
    for who, entry in section["annotators"].items():
        lines += [f"## {who}", "", f"Comptes rendus comparés : {entry['documents']}", ""]
        lines += ["| Appariement des zones | F1 | Précision | Rappel |", "|---|---|---|---|"]
        for mode in MODES:
            figures = entry["spans"][mode]
            lines.append(
                f"| {MODE_FR[mode]} | {_figure(figures['f1'])} | {_figure(figures['precision'])} | "
                f"{_figure(figures['recall'])} |"
            )
        lines.append("")
        for name, attribute in entry["attributes"].items():
            lines.append(
                f"- Attribut {name} : accord {_figure(attribute['agreement'])} sur {attribute['support']} zone(s) "
                "appariée(s) exactement"
            )
        for name, field in entry["document_fields"].items():
            lines.append(
                f"- Champ {name} : accord {_figure(field['agreement'])}, κ de Cohen {_figure(field['cohen_kappa'])} "
                f"sur {field['support']} compte(s) rendu(s)"
            )
        differences = entry["differences"]
        lines += ["", f"### Différences avec la référence ({len(differences)})", ""]
        if differences:
            lines += ["| Document | Type | Position | Texte | Annotateur | Référence |", "|---|---|---|---|---|---|"]
            for item in differences:
                where = "" if item["begin"] is None else f"{item['begin']}-{item['end']}"
                text = str(item["text"]).replace("|", "\\|").replace("\n", " ")
                lines.append(
                    f"| {item['document']} | {item['kind']} | {where} | {text} | {item['annotator'] or '—'} | "
                    f"{item['reference'] or '—'} |"
                )
        else:
            lines.append("Aucune différence.")
        lines.append("")
    return "\n".join(lines)


def render_csv(section: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for who, entry in section["annotators"].items():
        for item in entry["differences"]:
            writer.writerow(
                [
                    who,
                    item["document"],
                    item["kind"],
                    item["begin"],
                    item["end"],
                    item["text"],
                    item["annotator"],
                    item["reference"],
                ]
            )
    return buffer.getvalue()


def write_reference(section: dict[str, Any], folder: Path) -> None:
    (folder / "reference.json").write_text(json.dumps(section, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (folder / "reference.md").write_text(render_markdown(section), encoding="utf-8")
    (folder / "reference-differences.csv").write_text(render_csv(section), encoding="utf-8")
