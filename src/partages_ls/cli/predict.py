"""`partages-ls predict`, `predict-eval` and `ml-backend serve`: pre-annotation, as thin commands."""

from __future__ import annotations

import json
import sys

import click

from partages_ls.cli.studio import HELP, PROJECT_HELP, _client, _Progress, connection_options
from partages_ls.content import bundled_workspace
from partages_ls.guides.loader import load_guide, load_guides
from partages_ls.predict.registry import MODEL_NAMES


@click.command("predict", context_settings=HELP)
@click.argument("project")
@click.option(
    "--model",
    type=click.Choice(MODEL_NAMES),
    default="all",
    show_default=True,
    help="rules: the guide's rules and lexicons; matcher: what annotators already marked; all: both.",
)
@click.option("--reports", default=None, metavar="ID,ID,...", help="Only these report ids (default: every task).")
@click.option(
    "--chunk-size", type=click.IntRange(min=1), default=500, show_default=True, help="Predictions per request."
)
@click.option("--json", "as_json", is_flag=True, help="Print the run's report as JSON.")
@connection_options
def predict_command(
    project: str,
    model: str,
    reports: str | None,
    chunk_size: int,
    as_json: bool,
    url: str | None,
    api_key: str | None,
) -> None:
    """Import suggestions as predictions into PROJECT's tasks that lack them (for this model version).

    Each prediction carries a model_version naming the guide, the model and its version
    (partages-ls:<guide>/<model>@<version>). Rerunning computes only what is missing; predictions
    are never exported as gold. Exit status 1 when a report of --reports is not in the project.
    """
    from partages_ls.workflows.predict import predict_project

    wanted = [r.strip() for r in reports.split(",") if r.strip()] if reports else None
    progress = _Progress("predicting")
    with _client(url, api_key) as client:
        try:
            report = predict_project(
                client,
                project,
                model=model,
                reports=wanted,
                chunk_size=chunk_size,
                progress=progress,
                guides=bundled_workspace().guides,
            )
        finally:
            progress.close()
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(f"project {report.project_id} ({report.guide}), model_version {report.model_version}")
        if report.learned_annotations:
            click.echo(
                f"  matcher learned {report.learned_spans} span(s) from {report.learned_annotations} annotation(s)"
            )
        click.echo(
            f"  {report.predicted} task(s) predicted ({report.suggestions} suggestion(s), {report.empty} task(s) "
            f"without any), {report.already} already had this model version"
        )
        if report.activated:
            click.echo("  the project now shows this model version's predictions to annotators")
        if report.unknown_reports:
            click.echo(f"  not in the project: {', '.join(report.unknown_reports)}")
    if report.unknown_reports:
        sys.exit(1)


predict_command.help = f"{predict_command.help}\n\n{PROJECT_HELP}"


@click.command("predict-eval", context_settings=HELP)
@click.option("--guide", "guide_names", multiple=True, help="Only this guide (repeatable; default: every guide).")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
def predict_eval_command(guide_names: tuple[str, ...], as_json: bool) -> None:
    """Precision, recall and F1 of each suggestion model per label, on the bundled samples (first
    annotator as reference) and on the evaluation reports of samples/eval/ (a Markdown table)."""
    from partages_ls.predict.evaluate import evaluate_guide, markdown_table

    workspace = bundled_workspace()
    if guide_names:
        guides = [load_guide(name, workspace.guides) for name in guide_names]
    else:
        guides = list(load_guides(workspace.guides).values())
    evaluations = [e for guide in guides for e in evaluate_guide(guide, workspace)]
    if as_json:
        data = [
            {
                "guide": e.guide,
                "model": e.model,
                "corpus": e.corpus,
                "documents": e.documents,
                "labels": {k: v.as_dict() for k, v in sorted(e.labels.items())},
                "total": e.total().as_dict(),
            }
            for e in evaluations
        ]
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo(markdown_table(evaluations))


@click.group("ml-backend", context_settings=HELP)
def ml_backend_group() -> None:
    """A Label Studio ML backend serving the guides' suggestions."""


@ml_backend_group.command("serve", context_settings=HELP)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=9090, show_default=True, help="Port (0: any free port).")
def ml_backend_serve_command(host: str, port: int) -> None:
    """Serve /health, /setup, /predict and /webhook until interrupted (Ctrl-C).

    Connect it to a project with `partages-ls project create GUIDE --ml-backend http://HOST:PORT`:
    Label Studio then asks for suggestions when a task without predictions opens, and sends each
    submitted annotation to /webhook, from which the string matcher learns.
    """
    from partages_ls.predict.backend import SuggestionService, make_server

    service = SuggestionService(bundled_workspace().guides)
    server = make_server(host, port, service=service, log=lambda line: click.echo(line, err=True))
    bound_host, bound_port = str(server.server_address[0]), int(server.server_address[1])
    click.echo(f"partages-ls ML backend on http://{bound_host}:{bound_port} (Ctrl-C to stop)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
