"""How a package is named to people: its full name, as its ecosystem writes it."""

from __future__ import annotations


def full_name(package_type: str, namespace: str, name: str) -> str:
    """The namespace and name joined the ecosystem's way.

    ``github.com/go-ldap/ldap/v3`` (Go keeps the module path whole),
    ``@babel/core`` (npm), ``org.yaml:snakeyaml`` (Maven), ``flask`` (PyPI).
    """
    if not namespace:
        return name
    separator = ":" if package_type == "maven" else "/"
    return f"{namespace}{separator}{name}"
