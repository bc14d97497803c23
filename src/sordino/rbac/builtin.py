"""The built-in roles: ids, aliases and scopes as the reference lists them.

The reference's role listing shows each role's org-wide scopes, but not the
per-app scopes (``project:read``, ``scans:read``, triage...) its operations
require. sordino keeps every listed scope and adds the app-level scopes each
role needs to do what its name says; ``EXTRA_*`` below are those additions.
Super Admin holds every scope any operation declares.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

_NOTIFY = (
    "org_user_notification:create",
    "org_user_notification:delete",
    "org_user_notification:read",
    "org_user_notification:update",
)
_COMMON = ("apps:list", "findings:list", "org:read", "roles:list", "subscriptions:read")
_KONTRA = ("kontra:login", "kontra:read")
_COLD = ("cold_start_subscription:read", "cold_start_subscription:update")

READ_APP = (
    "project:read",
    "scans:read",
    "findings:read",
    "comments:list",
    "comments:read",
    "versions:list",
    "versions:read",
    "sca:read",
    "autofix:read",
    "reports:read",
    "orgs:read",
)
TRIAGE = (
    "comments:create",
    "finding_status:update",
    "finding_fixed:update",
    "finding_ignore:update",
    "finding_assign:update",
    "findings:update",
    "uploads:write",
    "scans:create",
)
MANAGE_APPS = (
    "apps:create",
    "project:create",
    "project:update",
    "project:delete",
    "project:archive",
    "project_branch:update",
    "app_group:update",
    "app_group:delete",
    "check_analysis_configuration:list",
    "check_analysis_configuration:read",
    "check_analysis_configuration:write",
    "findings:summary",
)
ADMIN_ONLY = (
    "auth_provider:*",
    "blocked_seats:list",
    "blocked_seats:update",
    "github:install",
    "github_fork_demo:create",
    "github_repos:list",
    "github_user_repo:create",
    "org:delete",
    "org:update",
    "org_alert_notification:read",
    "org_alert_notification:update",
    "org_audit_trail:read",
    "org_backup:read",
    "org_configuration:read",
    "org_configuration:write",
    "org_inspect_configuration:create",
    "org_inspect_configuration:validate",
    "org_invitations:create",
    "org_invitations:delete",
    "org_invitations:list",
    "org_metrics:read",
    "org_runs:read",
    "org_user:delete",
    "org_user:list",
    "org_user:update",
    "roles:create",
    "roles:delete",
    "roles:update",
    "saml_config:create",
    "saml_config:delete",
    "saml_config:list",
    "saml_config:update",
    "scopes:list",
    "seats:claim",
    "seats:delete",
    "seats:list",
    "seats:write",
    "subscriptions_trial:update",
    "team_apps:update",
    "team_members:update",
    "teams:create",
    "teams:delete",
    "teams:list",
    "teams:read",
    "teams:update",
    "tokens:create",
    "tokens:delete",
    "tokens:list",
    "webhook:read",
    "webhook:write",
    "wiz_auth:write",
    "wiz_enrollment:read",
    "wiz_enrollment:write",
    "azureboard_association:read",
    "azureboard_association:write",
    "azureboard_auth:write",
    "azureboard_workitem:read",
    "azureboard_workitem:write",
)


@dataclass(frozen=True)
class BuiltinRole:
    """A role every org has; it cannot be changed or deleted."""

    id: str
    name: str
    aliases: tuple[str, ...]
    scopes: frozenset[str]
    description: str = ""


# Scopes the reference lists for Collaborator (the CI uploader) but not for
# Super Admin; Super Admin gets them too, or no one could issue a Collaborator
# token or give the role, since nobody may grant a scope they lack.
_RUNS = ("metrics:write", "org_runs:create", "scan_status:update")

SUPER_ADMIN = BuiltinRole(
    "6fc50b34-6705-11eb-b610-435a3f7b9ad3",
    "Super Admin",
    ("SUPER_ADMIN",),
    frozenset(
        (*_COMMON, *_KONTRA, *_COLD, *_NOTIFY, *READ_APP, *TRIAGE, *MANAGE_APPS)
        + ADMIN_ONLY
        + _RUNS
    ),
)
POWER_USER = BuiltinRole(
    "09e9fc1f-8190-4b09-b2bf-a1beabd62c2a",
    "Power User",
    ("POWER_USER", "TEAM_ADMIN"),
    frozenset(
        (*_COMMON, *_KONTRA, *_COLD, *_NOTIFY, *READ_APP, *TRIAGE, *MANAGE_APPS)
        + (
            "org_inspect_configuration:validate",
            "org_user:list",
            "teams:list",
            "teams:read",
            "team_apps:update",
            "team_members:update",
            "teams:update",
            "tokens:create",
        )
    ),
)
MEMBER = BuiltinRole(
    "e7ca42af-8dd5-4928-8eb9-28d5e41b5564",
    "Member",
    ("MEMBER", "TEAM_MEMBER"),
    frozenset(
        (*_COMMON, *_KONTRA, *_COLD, *_NOTIFY, *READ_APP, *TRIAGE)
        + ("org_inspect_configuration:validate", "check_analysis_configuration:read")
    ),
)
COLLABORATOR = BuiltinRole(
    "c46b7cba-6726-11eb-8232-e3aecb012972",
    "Collaborator",
    ("LEGACY_COLLABORATOR",),
    frozenset(
        (*_COMMON, *_KONTRA, *_NOTIFY, *READ_APP)
        + _RUNS
        + (
            "org_inspect_configuration:validate",
            "org_invitations:list",
            "org_runs:read",
            "seats:claim",
            "seats:list",
            "teams:list",
            "tokens:create",
            "uploads:write",
            "scans:create",
        )
    ),
)
GUEST = BuiltinRole(
    "6d5fbe08-0512-46e0-b5d2-45902ee6c0ba",
    "Guest",
    ("GUEST", "TEAM_GUEST"),
    frozenset((*_COMMON, *_KONTRA, *_COLD, *_NOTIFY, *READ_APP)),
)
TEAM_DEFINED = BuiltinRole(
    "033d8bd8-849f-4665-9dd8-72787c0b2494",
    "Team Defined",
    ("TEAM_DEFINED",),
    frozenset((*_COMMON, "reports:read")),
)
TEAM_MANAGER = BuiltinRole(
    "a003f608-67d1-11eb-b8a6-fbc4104446af",
    "Team Manager",
    ("TEAM_MANAGER",),
    frozenset(
        (*_COMMON, *READ_APP, *TRIAGE, *MANAGE_APPS)
        + ("team_apps:update", "team_members:update", "teams:read", "teams:update")
    ),
)

ORG_ROLES = (MEMBER, COLLABORATOR, SUPER_ADMIN, GUEST, POWER_USER, TEAM_DEFINED)
TEAM_ROLES = (POWER_USER, TEAM_MANAGER, MEMBER, GUEST)
ALL_ROLES = (*ORG_ROLES, TEAM_MANAGER)
ORG_ROLE_ALIASES = ("SUPER_ADMIN", "POWER_USER", "MEMBER", "GUEST", "TEAM_DEFINED")
TEAM_ROLE_ALIASES = ("TEAM_ADMIN", "TEAM_MEMBER", "TEAM_MANAGER", "TEAM_GUEST")

_BY_ID = {role.id: role for role in ALL_ROLES}
_BY_ALIAS = {alias: role for role in ALL_ROLES for alias in role.aliases}


def get(role: str) -> BuiltinRole | None:
    """A built-in role by id or alias."""
    return _BY_ID.get(role) or _BY_ALIAS.get(role.upper())


def all_scopes() -> list[str]:
    """Every scope a custom role may use: exactly Super Admin's."""
    return sorted(SUPER_ADMIN.scopes)


def expand(scopes: Iterable[str]) -> frozenset[str]:
    """Stored scopes as the listed scopes they stand for.

    A custom role saved before scopes were checked strictly may hold a pattern
    such as ``project:*``: it stands for every listed ``project:`` scope. A
    pattern Super Admin itself holds (``auth_provider:*``) stays as it is, and
    a scope that is not listed grants nothing.
    """
    known = SUPER_ADMIN.scopes
    result: set[str] = set()
    for scope in scopes:
        if scope in known:
            result.add(scope)
        elif scope.endswith(":*"):
            prefix = scope[:-1]
            result.update(s for s in known if s.startswith(prefix))
    return frozenset(result)


def _folded(name: str) -> str:
    return "".join(char for char in name.lower() if char.isalnum())


_RESERVED = {_folded(n) for role in ALL_ROLES for n in (role.name, *role.aliases)}


def is_reserved_name(name: str) -> bool:
    """Whether ``name`` reads as a built-in role's name or alias.

    Case, spaces, ``_`` and ``-`` are ignored: "team defined" is TEAM_DEFINED.
    """
    return _folded(name) in _RESERVED
