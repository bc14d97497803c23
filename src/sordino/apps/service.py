"""Apps: provisioning, reading, labels, configuration and groups."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sordino.apps.models import App, AppGroup, AppGroupMember
from sordino.apps.schemas import AppConfiguration, AppCreate, AppGroupUpdate
from sordino.common import deep_merge, iso
from sordino.orgs.models import Org
from sordino.rbac.access import Principal
from sordino.rbac.models import Team
from sordino.rbac.service import bump_team
from sordino.scans.models import Scan


class AppError(ValueError):
    """A request about apps that cannot be carried out."""


class AppClash(AppError):
    """The change collides with the stored state."""


class AppRefused(AppError):
    """The caller may not make this change."""


def visible(session: Session, principal: Principal) -> list[App]:
    """The org's apps that the caller may see, ordered by id."""
    query = select(App).where(App.org_id == principal.org_id)
    teams = principal.visible_team_ids()
    if teams is not None:
        query = query.where(App.team_id.in_(teams))
    return list(session.scalars(query.order_by(App.app_id)))


def get_by_app_id(session: Session, org_id: str, app_id: str) -> App | None:
    """The org's app with this API id."""
    return session.scalar(select(App).where(App.org_id == org_id, App.app_id == app_id))


def create_many(
    session: Session, principal: Principal, specs: list[AppCreate]
) -> list[App]:
    """Create the apps, or update name, team and branch of those that exist.

    ``team_id`` puts an app in a team, a change of that team's apps: the caller
    needs ``team_apps:update`` there and the team gets a new version. An app
    already in another team stays there: moving it is the team operation's
    ``force_app_inclusion``.
    """
    ids = [spec.id for spec in specs]
    if len(set(ids)) != len(ids):
        raise AppError("the same app id appears more than once")
    result = []
    joined: dict[str, Team] = {}
    for spec in specs:
        app = get_by_app_id(session, principal.org_id, spec.id)
        if app is None:
            app = App(
                org_id=principal.org_id, app_id=spec.id, name=spec.name or spec.id
            )
            session.add(app)
        elif spec.name:
            app.name = spec.name
        if spec.team_id is not None and spec.team_id != app.team_id:
            team = _joined_team(session, principal, app, spec.team_id)
            app.team_id = team.id
            joined[team.id] = team
        if spec.base_branch:
            app.default_branch = spec.base_branch
        result.append(app)
    session.flush()
    for team_id in sorted(joined):
        bump_team(session, joined[team_id])
    return result


def _joined_team(
    session: Session, principal: Principal, app: App, team_id: str
) -> Team:
    """The team an app is to join, once the caller may put it there."""
    team = session.get(Team, team_id)
    if team is None or team.org_id != principal.org_id:
        raise AppError(f"app {app.app_id!r}: no team with id {team_id!r}")
    if app.team_id is not None:
        raise AppClash(
            f"app {app.app_id!r} is in another team; move it with the team's "
            "apps operation and force_app_inclusion"
        )
    if not principal.has("team_apps:update", team_id=team.id):
        raise AppRefused(
            f"app {app.app_id!r}: adding apps to a team needs team_apps:update"
        )
    return team


def ensure(session: Session, org_id: str, app_id: str, name: str = "") -> App:
    """The app with this id, created on first use (as scans and imports do).

    Two uploads may create the same app at once; the insert skips a row that
    another transaction added, so both end up with the one app.
    """
    app = get_by_app_id(session, org_id, app_id)
    if app is not None:
        return app
    values = {"org_id": org_id, "app_id": app_id, "name": name or app_id}
    session.execute(_insert_new(session).values(**values).on_conflict_do_nothing())
    app = get_by_app_id(session, org_id, app_id)
    if app is None:
        raise AppError(f"app {app_id!r} could not be created")
    return app


def _insert_new(session: Session) -> Any:
    """An INSERT that can skip conflicting rows, in the session's dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(App)
    return sqlite.insert(App)


def lock(session: Session, app: App) -> None:
    """Hold the app's row until commit, so its ingests run one after another.

    PostgreSQL takes a row lock; SQLite has one writer at a time already.
    """
    session.execute(select(App.pk).where(App.pk == app.pk).with_for_update())


def read(app: App) -> dict[str, Any]:
    """The API's view of an app."""
    tags = [{"key": "label", "value": label} for label in app.labels]
    if app.team_id:
        tags.append({"key": "team_id", "value": app.team_id})
    return {
        "id": app.app_id,
        "name": app.name,
        "tags": tags,
        "labels": list(app.labels),
        "team_id": app.team_id or "",
        "default_branch": app.default_branch or "",
        "created_at": iso(app.created_at),
    }


def update_labels(
    app: App, add: list[str], remove: list[str], clear: bool
) -> list[str]:
    """Apply label changes (clear first, then remove, then add); return the labels."""
    labels = [] if clear else list(app.labels)
    labels = [label for label in labels if label not in set(remove)]
    for label in add:
        if label not in labels:
            labels.append(label)
    app.labels = labels
    return labels


def configuration(app: App) -> dict[str, Any]:
    """The app's own configuration."""
    return {
        "default_branch": app.default_branch or "",
        "analysis_configuration": dict(app.configuration.get("analysis", {})),
    }


def set_configuration(app: App, body: AppConfiguration, *, merge: bool) -> None:
    """Replace (PUT) or merge (PATCH) the app's configuration."""
    if body.default_branch is not None or not merge:
        app.default_branch = body.default_branch
    analysis = body.analysis_configuration
    if analysis is not None or not merge:
        current = app.configuration.get("analysis", {}) if merge else {}
        app.configuration = {
            **app.configuration,
            "analysis": deep_merge(current, analysis or {}),
        }


def merged_configuration(session: Session, app: App) -> dict[str, Any]:
    """Org, then team, then app configuration merged, later levels winning."""
    org = session.get(Org, app.org_id)
    analysis: dict[str, Any] = {}
    if org is not None:
        analysis = dict(org.configuration.get("analysis_configuration", {}))
    if app.team_id:
        team = session.get(Team, app.team_id)
        if team is not None:
            team_config = team.configuration.get("analysis_configuration", {})
            analysis = deep_merge(analysis, team_config)
    analysis = deep_merge(analysis, app.configuration.get("analysis", {}))
    return {
        "default_branch": app.default_branch or "",
        "analysis_configuration": analysis,
    }


def delete_app(session: Session, app: App) -> None:
    """Delete an app and everything recorded about it; its team gets a new version."""
    team = session.get(Team, app.team_id) if app.team_id else None
    session.delete(app)
    session.flush()
    if team is not None:
        bump_team(session, team)


def branches(
    session: Session,
    principal: Principal,
    app_name: str | None,
    since: dt.datetime,
    until: dt.datetime,
) -> list[dict[str, Any]]:
    """Each visible app with the branches scanned between ``since`` and ``until``."""
    result = []
    for app in visible(session, principal):
        if app_name and app_name not in (app.app_id, app.name):
            continue
        rows = session.scalars(
            select(Scan.branch)
            .where(
                Scan.app_pk == app.pk,
                Scan.branch != "",
                Scan.started_at >= since,
                Scan.started_at <= until,
            )
            .group_by(Scan.branch)
            .order_by(func.max(Scan.id).desc())
        ).all()
        if rows or app_name:
            result.append(
                {
                    "id": app.app_id,
                    "name": app.name,
                    "default_branch": app.default_branch or "",
                    "branches": list(rows),
                }
            )
    return result


def group_read(session: Session, group: AppGroup) -> dict[str, Any]:
    """The API's view of an app group."""
    app_ids = session.scalars(
        select(App.app_id)
        .join(AppGroupMember, AppGroupMember.app_pk == App.pk)
        .where(AppGroupMember.group_id == group.id)
        .order_by(App.app_id)
    ).all()
    return {"name": group.name, "app_ids": list(app_ids)}


def get_group(session: Session, org_id: str, name: str) -> AppGroup | None:
    """The org's app group with this name."""
    return session.scalar(
        select(AppGroup).where(AppGroup.org_id == org_id, AppGroup.name == name)
    )


def list_groups(session: Session, org_id: str) -> list[AppGroup]:
    """The org's app groups by name."""
    return list(
        session.scalars(
            select(AppGroup).where(AppGroup.org_id == org_id).order_by(AppGroup.name)
        )
    )


def upsert_group(
    session: Session, org_id: str, name: str, body: AppGroupUpdate
) -> AppGroup:
    """Create the group if needed, then rename it and change its members."""
    wanted = set(body.add_app_ids) | set(body.remove_app_ids)
    found = {
        app.app_id: app
        for app in session.scalars(
            select(App).where(App.org_id == org_id, App.app_id.in_(wanted))
        )
    }
    missing = sorted(wanted - set(found))
    if missing:
        raise AppError(f"no apps with ids: {', '.join(missing)}")
    group = get_group(session, org_id, name)
    if group is None:
        group = AppGroup(org_id=org_id, name=name)
        session.add(group)
        session.flush()
    if body.rename and body.rename != name:
        if get_group(session, org_id, body.rename) is not None:
            raise AppError(f"an app group named {body.rename!r} already exists")
        group.name = body.rename
    removed = [found[i].pk for i in body.remove_app_ids]
    if removed:
        session.execute(
            delete(AppGroupMember).where(
                AppGroupMember.group_id == group.id, AppGroupMember.app_pk.in_(removed)
            )
        )
    present = set(
        session.scalars(
            select(AppGroupMember.app_pk).where(AppGroupMember.group_id == group.id)
        )
    )
    for app_id in body.add_app_ids:
        if found[app_id].pk not in present:
            session.add(AppGroupMember(group_id=group.id, app_pk=found[app_id].pk))
            present.add(found[app_id].pk)
    session.flush()
    return group
