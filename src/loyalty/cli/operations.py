"""Commands for running the house: backup, restore, the outbound switch, webhook deliveries."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import typer

from loyalty.db import backups, migrate
from loyalty.db.engine import Database
from loyalty.messages import outbound
from loyalty.settings import Settings

outbound_app = typer.Typer(help="Texts, e-mails and webhooks leaving the house (held after a restore).")
webhooks_app = typer.Typer(help="Webhook deliveries.", no_args_is_help=True)


def share_metrics(workers: int) -> None:
    """Several worker processes write their figures to one folder, so any worker's /metrics answers the sum
    (prometheus_client's multiprocess mode, chosen by this variable before the workers start)."""
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="loyalty-metrics-")


def backup(file: Path = typer.Argument(..., help="A new file to write the copy to.")) -> None:
    """A consistent copy of the database, taken while the server serves."""
    url = Settings.from_env().database_url
    try:
        backups.backup(url, file)
    except backups.BackupError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None
    typer.echo(f"backup written to {file} ({file.stat().st_size:,} bytes)")


def restore(file: Path = typer.Argument(..., help="A file `loyalty backup` wrote.")) -> None:
    """Put a backup into an empty database; texts, e-mails and webhooks stay held until `loyalty outbound resume`."""
    url = Settings.from_env().database_url
    try:
        backups.restore(url, file)
    except backups.BackupError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None
    migrate.upgrade(url)  # a backup of an older version is brought to this one
    db = Database(url)
    try:
        db.write(lambda session: outbound.set_paused(session, True, f"restored from {file.name}"))
    finally:
        db.dispose()
    typer.echo(f"restored from {file}; outgoing texts, e-mails and webhooks are held")
    typer.echo("check it with `loyalty verify`, then let them go with `loyalty outbound resume`")


@outbound_app.callback(invoke_without_command=True)
def outbound_status(context: typer.Context) -> None:
    """Whether outgoing messages are held."""
    if context.invoked_subcommand is not None:
        return
    db = _database()
    with db.read() as session:
        held = outbound.paused(session)
    typer.echo("held (run `loyalty outbound resume`)" if held else "flowing")


@outbound_app.command("resume")
def outbound_resume() -> None:
    """Let texts, e-mails and webhooks go again."""
    _database().write(lambda session: outbound.set_paused(session, False))
    typer.echo("outgoing texts, e-mails and webhooks flow again")


@outbound_app.command("pause")
def outbound_pause(reason: str = typer.Option("paused by an operator", help="Why, for whoever resumes.")) -> None:
    """Hold texts, e-mails and webhooks (webhooks wait in their queue)."""
    _database().write(lambda session: outbound.set_paused(session, True, reason))
    typer.echo("outgoing texts, e-mails and webhooks are held")


@webhooks_app.command("deliver")
def webhooks_deliver(
    follow: bool = typer.Option(False, "--follow", help="Keep delivering until stopped (as `serve` does)."),
) -> None:
    """Send the webhook deliveries that are due (once, or with --follow until stopped)."""
    from loyalty.webhooks import delivery

    settings = Settings.from_env()
    db = _database()
    total = 0
    while True:
        sent = delivery.deliver_due(db, allow_private=settings.webhooks_allow_private)
        total += sent
        if sent == 0 and not follow:
            break
        if sent == 0:
            time.sleep(2)
    typer.echo(f"{total} delivery attempt(s) made")


def _database() -> Database:
    url = Settings.from_env().database_url
    migrate.upgrade(url)
    return Database(url)
