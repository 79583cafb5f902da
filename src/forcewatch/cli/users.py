"""``forcewatch user add | list | remove``: the dashboard's accounts."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from forcewatch.cli.common import console
from forcewatch.cli.options import WorkspaceOpt

# options of this group only
UserArg = Annotated[str, typer.Argument(help="User name (letters, digits, '.', '_', '@', '-').")]
RoleOpt = Annotated[str, typer.Option("--role", help="viewer (reads), analyst (also reviews and labels) or admin.")]
PasswordStdinOpt = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin (for scripts).")
]

user_app = typer.Typer(help="Dashboard accounts (`forcewatch serve`).", no_args_is_help=True)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@user_app.command("add")
def add_cmd(
    name: UserArg, role: RoleOpt = "viewer", password_stdin: PasswordStdinOpt = False, workspace: WorkspaceOpt = None
) -> None:
    """Add an account; the password is asked for (never echoed) and stored only as an argon2 hash."""
    from forcewatch.app.workspace import open_workspace
    from forcewatch.serve.accounts import add_user

    password = _password(password_stdin)
    with open_workspace(workspace) as store:
        user = add_user(store, name, role, password)
    console.print(f"added user {user.name} ({user.role})")


@user_app.command("list")
def list_cmd(workspace: WorkspaceOpt = None) -> None:
    """The accounts: name, role, created."""
    from forcewatch.app.workspace import open_workspace
    from forcewatch.serve.accounts import list_users

    with open_workspace(workspace) as store:
        users = list_users(store)
    for u in users:
        console.print(f"{u.name}\t{u.role}\t{u.created}")
    if not users:
        console.print("no users yet: `forcewatch user add NAME --role analyst`")


@user_app.command("remove")
def remove_cmd(name: UserArg, workspace: WorkspaceOpt = None) -> None:
    """Remove an account (its open sessions end at their next request)."""
    from forcewatch.app.workspace import open_workspace
    from forcewatch.serve.accounts import remove_user

    with open_workspace(workspace) as store:
        user = remove_user(store, name)
    console.print(f"removed user {user.name} ({user.role})")


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
