"""The `loyalty` command."""

from __future__ import annotations

import json
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import typer
from sqlalchemy.orm import Session

from loyalty.cli import moving, operations
from loyalty.db import migrate
from loyalty.db.engine import Database
from loyalty.db.models import now
from loyalty.errors import LoyaltyError
from loyalty.members import access
from loyalty.messages import notify, outbound
from loyalty.money import hundredths_to_points
from loyalty.settings import Settings
from loyalty.wallet import credit, ledger, punch_cards

app = typer.Typer(help="loyalty: points, benefits and promo codes behind a point of sale.", no_args_is_help=True)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
business_app = typer.Typer(help="Businesses.", no_args_is_help=True)
rules_app = typer.Typer(
    help="The Campaign Center's rules as files (JSON or YAML), to version in git.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(business_app, name="business")
app.add_typer(rules_app, name="rules")
app.command("backup")(operations.backup)
app.command("restore")(operations.restore)
app.command("import")(moving.import_file)
app.command("export")(moving.export_file)
app.add_typer(operations.outbound_app, name="outbound")
app.add_typer(operations.webhooks_app, name="webhooks")


def _settings() -> Settings:
    return Settings.from_env()


def _database(*, upgrade: bool = True) -> Database:
    settings = _settings()
    if upgrade:
        migrate.upgrade(settings.database_url)
    return Database(settings.database_url)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, help="Worker processes (each with its own connection pool)."),
) -> None:
    """Serve the API and the web pages (migrates the schema first)."""
    import uvicorn

    from loyalty import logs

    settings = _settings()
    migrate.upgrade(settings.database_url)
    logs.configure(settings.log_level)
    operations.share_metrics(workers)
    uvicorn.run(
        "loyalty.api.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_level="warning",
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the newest version."""
    migrate.upgrade(_settings().database_url)
    typer.echo("schema is up to date")


@business_app.command("create")
def business_create(
    name: str,
    currency: str = typer.Option("EUR", help="ISO 4217 currency."),
    country: str = typer.Option("CH", help="ISO 3166 country, the default region of phone numbers."),
    timezone: str = typer.Option("Europe/Zurich", help="IANA time zone for weekdays and opening hours in rules."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Create a business with one branch, one terminal, an admin key and a pos key."""
    db = _database()
    try:
        new = db.write(
            lambda session: access.create_business(
                session, name=name, currency=currency, country=country, timezone=timezone
            )
        )
    except LoyaltyError as error:
        typer.echo(error.message, err=True)
        raise typer.Exit(2) from None
    result = {
        "business_id": str(new.business.id),
        "branch_id": str(new.branch.id),
        "terminal_id": str(new.terminal.id),
        "admin_key": new.admin_key,
        "pos_key": new.pos_key,
    }
    if as_json:
        typer.echo(json.dumps(result))
    else:
        for label, value in result.items():
            typer.echo(f"{label:12} {value}")
        typer.echo("The keys are shown only now: keep them safe.")


@app.command()
def demo(
    base_url: str = typer.Option("http://127.0.0.1:8000", help="Where the server will be reachable."),
) -> None:
    """A ready demo business; prints fresh keys and where to click."""
    from loyalty.demo import ensure_demo

    made = _database().write(ensure_demo)
    typer.echo(f"{'Created' if made.created else 'Using'} the demo business {made.business_id}")
    typer.echo(f"  admin key   {made.admin_key}")
    typer.echo(f"  pos key     {made.pos_key}")
    typer.echo(f"  API docs    {base_url}/docs")
    # The keys ride in the URL fragment, which browsers never send to a server; the pages keep them locally.
    typer.echo("Where to click (once `loyalty serve` runs):")
    typer.echo(f"  the till          {base_url}/till#key={made.pos_key}")
    typer.echo(f"  Campaign Center   {base_url}/campaigns#key={made.admin_key}")
    typer.echo(f"  member app        {base_url}/app/{made.business_id}")
    typer.echo("  find Ada at the till with 079 555 01 01; the member app's login code is printed by the server")


@app.command()
def verify() -> None:
    """Recompute every balance from the ledger; exit 1 on any difference."""
    db = _database()
    with db.read() as session:
        problems = ledger.verify(session) + credit.verify(session) + punch_cards.verify(session)
    for problem in problems:
        typer.echo(problem)
    if problems:
        typer.echo(f"{len(problems)} difference(s) found", err=True)
        sys.exit(1)
    typer.echo(
        "ledger verified: every transaction balances, every cached balance matches its entries and its lots,"
        " and no lot was spent beyond its points, while pending or after it expired"
    )


@app.command()
def expire(
    at: str | None = typer.Option(None, "--at", help="The moment to expire at, RFC 3339 (default: now)."),
) -> None:
    """Post the points expiries due at --at, release pending points, and send the expiry reminders due."""
    from loyalty.wallet.lots import expiry, reminders

    moment = now()
    if at is not None:
        try:
            moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
        except ValueError:
            typer.echo(f"--at: {at!r} is not an RFC 3339 time like 2027-03-31T00:00:00+00:00", err=True)
            raise typer.Exit(2) from None
        if moment.tzinfo is None:
            typer.echo("--at: give the offset too, like 2027-03-31T00:00:00+02:00", err=True)
            raise typer.Exit(2)
    settings = _settings()
    db = _database()
    sender = reminders.Sender(db, outbound.Held(db, notify.make(settings)))
    report = expiry.run(db, at=moment.astimezone(UTC), notify=sender.send)
    typer.echo(
        f"expired {hundredths_to_points(report.expired_points)} points in {report.expired_lots} lot(s)"
        f" of {report.members} member(s); released {hundredths_to_points(report.released_points)} pending points"
        f" in {report.released_lots} lot(s); {len(report.reminders)} reminder(s) sent"
    )


# --- rules as files -------------------------------------------------------------------------------


class _DryRun(Exception):
    """Raised to roll a dry run back, carrying what it would have changed."""


def _business_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        typer.echo(f"--business: {raw!r} is not a business id", err=True)
        raise typer.Exit(2) from None


@rules_app.command("load")
def rules_load(
    file: Path = typer.Argument(..., help='A JSON or YAML file: a list of rules, or {"rules": [...]}.'),
    business: str = typer.Option(..., "--business", help="The business id."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would change, change nothing."),
) -> None:
    """Make the business's rules match the file: a rule with one of its ids gets a new revision only when its
    definition changed; a rule without one is created. All or nothing: an invalid rule loads nothing (exit 2)."""
    from loyalty.campaigns import rule_files
    from loyalty.campaigns import rulebook as campaigns

    business_id = _business_id(business)
    try:
        bodies = rule_files.read(file)
    except rule_files.RuleFileInvalid as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None

    def work(session: Session) -> list[campaigns.Change]:
        found = access.business(session, business_id)
        changes = campaigns.load(session, business=found, bodies=bodies, actor="cli")
        if dry_run:
            raise _DryRun(changes)
        return changes

    try:
        changes = _database().write(work)
    except _DryRun as rolled_back:
        changes = rolled_back.args[0]
    except LoyaltyError as error:
        typer.echo(f"{file}: {error.message}; nothing was loaded", err=True)
        raise typer.Exit(2) from None
    for change in changes:
        typer.echo(change.line())
    changed = sum(change.action != "unchanged" for change in changes)
    typer.echo(f"{changed} of {len(changes)} rule(s) {'would change (dry run)' if dry_run else 'changed'}")


@rules_app.command("export")
def rules_export(
    business: str = typer.Option(..., "--business", help="The business id."),
    format: str = typer.Option("json", "--format", help="json or yaml."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file instead of printing."),
) -> None:
    """The current revision of every rule, in the format `loyalty rules load` takes back."""
    from loyalty.campaigns import rule_files
    from loyalty.campaigns import rulebook as campaigns

    if format not in ("json", "yaml"):
        typer.echo(f"--format: must be json or yaml, not {format!r}", err=True)
        raise typer.Exit(2)
    business_id = _business_id(business)
    with _database().read() as session:
        try:
            rules = campaigns.export(session, business=access.business(session, business_id))
        except LoyaltyError as error:
            typer.echo(error.message, err=True)
            raise typer.Exit(2) from None
    text = rule_files.dump(rules, "yaml" if format == "yaml" else "json")
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"{len(rules)} rule(s) written to {output}", err=True)
