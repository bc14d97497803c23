"""Org configuration (#57-#59, #61, #62) and the AutoFix configuration (#60)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.shapes import error
from tests.conftest import Api

CONFIG = "/orgs/{org}/configuration"
ANALYSIS = "/orgs/{org}/configuration/analysis"
DEFAULTS = {
    "sso_name": "",
    "default_saml_config": "",
    "allowed_non_admin_auth_providers": [],
    "security_training_provider": "",
    "analysis_configuration": {"secrets": {"disable": False, "entropy": 0}},
    "autofix_configuration": {"enabled": False},
    "session_timeout_hours": 24,
}


def test_a_new_org_has_the_default_configuration(api: Api) -> None:
    assert api.ok("GET", CONFIG) == DEFAULTS


def test_put_replaces_the_whole_configuration(api: Api) -> None:
    first = api.ok(
        "PUT",
        CONFIG,
        json={
            "sso_name": "corp-sso",
            "allowed_non_admin_auth_providers": ["github", "saml"],
            "analysis_configuration": {"secrets": {"entropy": 3.5}},
        },
    )
    assert first == {
        **DEFAULTS,
        "sso_name": "corp-sso",
        "allowed_non_admin_auth_providers": ["github", "saml"],
        "analysis_configuration": {"secrets": {"disable": False, "entropy": 3.5}},
    }
    second = api.ok("PUT", CONFIG, json={"session_timeout_hours": 8})
    assert second == {**DEFAULTS, "session_timeout_hours": 8}
    assert api.ok("GET", CONFIG) == second
    assert api.ok("PUT", CONFIG, json={}) == DEFAULTS


def test_patch_merges_into_the_configuration(api: Api) -> None:
    api.ok("PATCH", CONFIG, json={"sso_name": "a", "session_timeout_hours": 2})
    api.ok(
        "PATCH",
        CONFIG,
        json={
            "security_training_provider": "kontra",
            "analysis_configuration": {"secrets": {"disable": True}},
        },
    )
    merged = api.ok(
        "PATCH", CONFIG, json={"analysis_configuration": {"secrets": {"entropy": 4}}}
    )
    assert merged == {
        **DEFAULTS,
        "sso_name": "a",
        "session_timeout_hours": 2,
        "security_training_provider": "kontra",
        "analysis_configuration": {"secrets": {"disable": True, "entropy": 4}},
    }
    assert api.ok("GET", CONFIG) == merged


@pytest.mark.parametrize(
    "payload",
    [
        {"no_such_field": True},
        {"session_timeout_hours": 0},
        {"session_timeout_hours": "eight"},
        {"allowed_non_admin_auth_providers": "github"},
        {"analysis_configuration": [1]},
        {"sso_name": {"x": 1}},
        ["sso_name"],
    ],
)
def test_bad_configuration_is_refused_and_nothing_changes(
    api: Api, payload: Any
) -> None:
    for method in ("PUT", "PATCH"):
        body = error(
            api.request(method, CONFIG, json=payload), 400, "VALIDATION_FAILED"
        )
        assert body["validation_errors"]
    assert api.ok("GET", CONFIG) == DEFAULTS


def test_analysis_put_replaces_and_patch_merges(api: Api) -> None:
    put = api.ok("PUT", ANALYSIS, json={"secrets": {"entropy": 2, "disable": True}})
    assert put == {"secrets": {"entropy": 2, "disable": True}}
    assert api.ok("PATCH", ANALYSIS, json={"secrets": {"entropy": 6}}) == {
        "secrets": {"entropy": 6, "disable": True}
    }
    assert api.ok("PUT", ANALYSIS, json={"secrets": {"entropy": 1}}) == {
        "secrets": {"entropy": 1, "disable": False}
    }
    config = api.ok("GET", CONFIG)
    assert config["analysis_configuration"] == {
        "secrets": {"entropy": 1, "disable": False}
    }
    assert api.ok("PUT", ANALYSIS, json={}) == DEFAULTS["analysis_configuration"]


def test_analysis_keeps_the_rest_of_the_configuration(api: Api) -> None:
    api.ok("PATCH", CONFIG, json={"sso_name": "kept"})
    api.ok("PUT", ANALYSIS, json={"secrets": {"disable": True}})
    assert api.ok("GET", CONFIG)["sso_name"] == "kept"


@pytest.mark.parametrize(
    "payload", [{"other": {}}, {"secrets": "off"}, {"secrets": [True]}]
)
def test_bad_analysis_configuration_is_refused(api: Api, payload: Any) -> None:
    for method in ("PUT", "PATCH"):
        error(api.request(method, ANALYSIS, json=payload), 400, "VALIDATION_FAILED")


def test_autofix_configuration_follows_the_org_configuration(api: Api) -> None:
    assert api.ok("GET", "/orgs/{org}/autofix_configuration") == {"enabled": False}
    api.ok(
        "PATCH",
        CONFIG,
        json={"autofix_configuration": {"enabled": True, "languages": ["python"]}},
    )
    assert api.ok("GET", "/orgs/{org}/autofix_configuration") == {
        "enabled": True,
        "languages": ["python"],
    }


def test_guest_reads_autofix_but_not_the_configuration(api: Api) -> None:
    guest = api.as_role("GUEST")
    assert guest.ok("GET", "/orgs/{org}/autofix_configuration") == {"enabled": False}
    error(guest.get(CONFIG), 403, "FORBIDDEN")
    for method, path in [
        ("PUT", CONFIG),
        ("PATCH", CONFIG),
        ("PUT", ANALYSIS),
        ("PATCH", ANALYSIS),
    ]:
        error(guest.request(method, path, json={}), 403, "FORBIDDEN")


def test_power_user_cannot_change_the_org_configuration(api: Api) -> None:
    power = api.as_role("POWER_USER")
    error(power.patch(CONFIG, json={"sso_name": "x"}), 403, "FORBIDDEN")
    assert api.ok("GET", CONFIG)["sso_name"] == ""


def test_another_orgs_configuration_is_404(api: Api, other_api: Api) -> None:
    api.ok("PATCH", CONFIG, json={"sso_name": "mine"})
    intruder = Api(api.client, api.db, api.org_id, other_api.token, other_api.user_id)
    for method, path in [
        ("GET", CONFIG),
        ("PUT", CONFIG),
        ("PATCH", CONFIG),
        ("PUT", ANALYSIS),
        ("GET", "/orgs/{org}/autofix_configuration"),
    ]:
        error(intruder.request(method, path, json={}), 404, "NOT_FOUND")
    assert api.ok("GET", CONFIG)["sso_name"] == "mine"
    assert other_api.ok("GET", CONFIG)["sso_name"] == ""
