"""Every API router, registered explicitly in one place."""

from fastapi import APIRouter

from sordino.apps import routes as apps
from sordino.checks import routes as checks
from sordino.compounds import routes as compounds
from sordino.findings import routes as findings
from sordino.orgs import routes as orgs
from sordino.rbac import routes as rbac
from sordino.rbac import team_routes as rbac_teams
from sordino.reports import routes as reports
from sordino.sca import routes as sca
from sordino.scans import routes as scans
from sordino.scans import upload_routes as scan_uploads
from sordino.tokens import routes as tokens

ROUTERS: tuple[APIRouter, ...] = (
    apps.router,
    apps.groups,
    apps.labels,
    orgs.router,
    orgs.autofix,
    tokens.router,
    tokens.scopes,
    tokens.users,
    scan_uploads.router,
    rbac.router,
    rbac_teams.router,
    rbac_teams.config,
    rbac_teams.scopes,
    findings.router,
    findings.comments,
    findings.autofix,
    findings.versions,
    scans.router,
    checks.router,
    reports.router,
    compounds.router,
    compounds.reports,
    sca.router,
)
