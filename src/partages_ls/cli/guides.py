"""Commands over the guides and the files generated from them."""

from __future__ import annotations

from pathlib import Path

import click

from partages_ls.content import bundled_workspace, project_root
from partages_ls.errors import Diagnostic, DiagnosticError
from partages_ls.guides.loader import load_guide_file, load_guides
from partages_ls.workflows.build import build


@click.command("build", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--check", is_flag=True, help="Change nothing; exit 1 naming the stale files.")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Checkout to build (default: this package's checkout, else the current folder's).",
)
def build_command(check: bool, root: Path | None) -> None:
    """Regenerate label_configs/, plugins/ and exporters/ from the guides."""
    result = build(root or project_root(), check=check)
    if check:
        if result.stale:
            raise DiagnosticError(
                "generated files are stale: run `partages-ls build` and commit the result",
                [Diagnostic(path, "stale") for path in result.stale],
            )
        click.echo(f"up to date: {result.unchanged} generated files match the guides")
        return
    for path in result.written:
        click.echo(f"wrote {path}")
    for path in result.removed:
        click.echo(f"removed {path}")
    click.echo(f"{len(result.written)} written, {len(result.removed)} removed, {result.unchanged} unchanged")


@click.group("guides", context_settings={"help_option_names": ["-h", "--help"]})
def guides_group() -> None:
    """List and check annotation guides."""


@guides_group.command("list")
def list_command() -> None:
    """List the bundled guides."""
    for guide in load_guides(bundled_workspace().guides).values():
        labels = len(guide.all_labels())
        click.echo(f"{guide.name:20} {guide.cu:5} v{guide.version:8} {labels:3} labels  {guide.title}")


@guides_group.command("check")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check_command(files: tuple[Path, ...]) -> None:
    """Check guide files (default: the bundled guides); every problem is listed with its location."""
    if not files:
        guides = load_guides(bundled_workspace().guides)
        click.echo(f"ok: {len(guides)} guides")
        return
    problems: list[Diagnostic] = []
    for path in files:
        try:
            load_guide_file(path)
        except DiagnosticError as exc:
            problems.extend(exc.diagnostics)
    if problems:
        raise DiagnosticError(f"{len(problems)} problem(s) in {len(files)} file(s)", problems)
    click.echo(f"ok: {len(files)} guides")
