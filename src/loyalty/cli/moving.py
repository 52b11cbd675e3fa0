"""`loyalty import` and `loyalty export`: moving a programme's members in and out as CSV or NDJSON."""

from __future__ import annotations

import io
import json
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import typer
from sqlalchemy import select

from loyalty.db.engine import Database
from loyalty.db.models import Business
from loyalty.errors import LoyaltyError
from loyalty.members.access import Principal
from loyalty.moving import exporting, importing, reading
from loyalty.settings import Settings


@dataclass(frozen=True)
class _Operator(Principal):
    """Whoever runs the command on the server: an admin of the business, named `cli` in the audit trail."""

    @property
    def actor(self) -> str:
        return "cli"


def _database() -> Database:
    from loyalty.db import migrate

    url = Settings.from_env().database_url
    migrate.upgrade(url)
    return Database(url)


def _operator(db: Database, business: str | None) -> Principal:
    with db.read() as session:
        ids = list(session.scalars(select(Business.id).limit(2)))
    if business is None:
        if len(ids) != 1:
            typer.echo("--business: give the business id (the database holds more than one, or none)", err=True)
            raise typer.Exit(2)
        return _Operator(key_id=uuid.UUID(int=0), kind="admin", business_id=ids[0])
    try:
        return _Operator(key_id=uuid.UUID(int=0), kind="admin", business_id=uuid.UUID(business))
    except ValueError:
        typer.echo(f"--business: {business!r} is not a business id", err=True)
        raise typer.Exit(2) from None


def import_file(
    file: Path = typer.Argument(..., help="A CSV (header row) or NDJSON file of members.", exists=True, dir_okay=False),
    business: str | None = typer.Option(None, "--business", help="The business id (needed when there are several)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would change, write nothing."),
    as_json: bool = typer.Option(False, "--json", help="End with the answer as one line of JSON."),
    format: str | None = typer.Option(None, "--format", help="csv or ndjson (default: by the file's name)."),
) -> None:
    """Import members keyed by `external_id`: created, set to the file's figures (points as dated lots, credit,
    wallet, consents), or left unchanged; each rejected row is named and nothing of it is written."""
    db = _database()
    who = _operator(db, business)
    size = file.stat().st_size
    with file.open("rb") as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as stream:
        fmt = format or reading.guess_format(file.name, stream.read(1))
        stream.seek(0)
        shown = sys.stderr.isatty()
        with typer.progressbar(length=size, label="importing", file=sys.stderr, hidden=not shown) as bar:
            position = [0]

            def progress(rows: int) -> None:
                now_at = raw.tell()  # bytes read so far, as the bar counts the file
                bar.update(max(0, now_at - position[0]))
                position[0] = now_at

            try:
                report, exponent = importing.run(db, who, stream, fmt, dry_run=dry_run, progress=progress)
            except LoyaltyError as error:
                typer.echo(f"{file}: {error.message}; nothing was imported", err=True)
                raise typer.Exit(2) from None
            except UnicodeDecodeError:
                typer.echo(f"{file}: is not UTF-8 text", err=True)
                raise typer.Exit(2) from None
    answer = report.as_json(exponent)
    for rejected in answer["rejected"]:
        typer.echo(
            f"line {rejected['line']}: {rejected['external_id'] or '?'}: {rejected['field']} {rejected['reason']}",
            err=True,
        )
    verb = "would be" if dry_run else "were"
    summary = (
        f"{answer['created']} created, {answer['updated']} updated, {answer['unchanged']} unchanged,"
        f" {len(answer['rejected'])} rejected ({verb} written: {answer['points']} points, {answer['credit']} credit)"
    )
    typer.echo(json.dumps(answer) if as_json else summary)


def export_file(
    business: str | None = typer.Option(None, "--business", help="The business id (needed when there are several)."),
    format: str = typer.Option("ndjson", "--format", help="ndjson or csv."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file instead of printing."),
) -> None:
    """The business's members in the format `loyalty import` reads."""
    if format not in exporting.FORMATS:
        typer.echo(f"--format: must be ndjson or csv, not {format!r}", err=True)
        raise typer.Exit(2)
    db = _database()
    who = _operator(db, business)
    target = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        for line in exporting.lines(db, who, format):
            target.write(line)
    except LoyaltyError as error:
        typer.echo(error.message, err=True)
        raise typer.Exit(2) from None
    finally:
        if output:
            target.close()
