"""Imports every model module so that ``Base.metadata`` knows every table."""

from sordino.apps import models as apps
from sordino.checks import models as checks
from sordino.compounds import models as compounds
from sordino.findings import models as findings
from sordino.orgs import models as orgs
from sordino.rbac import models as rbac
from sordino.sca import models as sca
from sordino.scans import models as scans
from sordino.tokens import models as tokens
from sordino.vulndb import models as vulndb

__all__ = [
    "apps",
    "checks",
    "compounds",
    "findings",
    "orgs",
    "rbac",
    "sca",
    "scans",
    "tokens",
    "vulndb",
]
