"""Whether the app's own code uses a vulnerable package (and its affected symbols).

Imports are read from source: Python with ``ast``, JavaScript/TypeScript,
Java and Go with regular expressions run over the text with its comments and
literals blanked out (``sca.lexing``), so a mention in a comment or a string
is neither an import nor a use. A vulnerable package is reachable when the code
imports it; when the advisory names affected symbols, only when the code also
uses one of them.

Go symbol uses are read per file, from the names the file gives its imports:
``pkg.Symbol`` through an explicit name or the package's default name (the
last path element, without a ``/vN`` major version or gopkg.in's ``.vN``, and
also without a ``go-``/``-go`` affix, since packages are often named so), and
an unqualified exported name through a dot import. Receivers are not resolved,
so a method symbol ``Type.Method`` counts as used when the code calls a method
of that name on some value *and* names the package somewhere (any
``pkg.Symbol`` or a dot import): a package imported only as ``_`` never has
its symbols used, though it still counts as imported.
"""

from __future__ import annotations

import ast
import os
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import structlog

from sordino.sca import lexing
from sordino.vulndb.matching import VulnMatch

log = structlog.get_logger(__name__)

LANGUAGE_SUFFIXES = {
    "python": (".py",),
    "javascript": (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts"),
    "java": (".java", ".kt"),
    "go": (".go",),
}
_SKIPPED_DIRS = {".git", "node_modules", "vendor", ".venv", "venv", "__pycache__"}
# Run over masked text, where a literal's inside is blank: the path is read back
# from the original text between the quotes.
_JS_IMPORT = re.compile(
    r"""(?:\bfrom|\bimport\s*\(?|\brequire\s*\()\s*(['"`])[^'"`]*['"`]"""
)
_JAVA_IMPORT = re.compile(r"^\s*import\s+(?:static\s+)?([\w.]+)", re.MULTILINE)
_GO_IMPORT_DECL = re.compile(r"\bimport\s*(\([^)]*\)|[^;\n]*)")
_GO_IMPORT_SPEC = re.compile(r"(?:(\w+|\.)\s*)?(\"[^\"\n]*\"|`[^`]*`)")
# ``x.Name``, with the qualifier absent when the dot follows a call or an index.
_GO_SELECTOR = re.compile(r"(?:\b([^\W\d]\w*)\s*)?\.\s*([^\W\d]\w*)(\s*\()?")
# An identifier, with the dot before it when it is a selector's field.
_GO_IDENTIFIER = re.compile(r"(\.\s*)?\b([^\W\d]\w*)")
_GO_MAJOR_VERSION = re.compile(r"v\d+")
_GO_NAME_AFFIX = re.compile(r"^go[-.]|[-.]go$")

# Distributions whose importable top-level module differs from the name.
PYPI_MODULES: dict[str, tuple[str, ...]] = {
    "beautifulsoup4": ("bs4",),
    "pillow": ("PIL",),
    "pyyaml": ("yaml",),
    "python-dateutil": ("dateutil",),
    "scikit-learn": ("sklearn",),
    "opencv-python": ("cv2",),
    "pycryptodome": ("Crypto",),
    "pycryptodomex": ("Cryptodome",),
    "pyjwt": ("jwt",),
    "python-gitlab": ("gitlab",),
    "python-jose": ("jose",),
    "python-multipart": ("multipart",),
    "protobuf": ("google.protobuf",),
    "attrs": ("attr", "attrs"),
    "pyopenssl": ("OpenSSL",),
    "msgpack-python": ("msgpack",),
    "djangorestframework": ("rest_framework",),
    "ruamel-yaml": ("ruamel",),
    "setuptools": ("setuptools", "pkg_resources"),
    "dnspython": ("dns",),
    "pymysql": ("pymysql",),
    "mysqlclient": ("MySQLdb",),
    "psycopg2-binary": ("psycopg2",),
    "oauth2-client": ("oauth2_client",),
}


def _files(root: Path, suffixes: tuple[str, ...]) -> Iterator[Path]:
    for directory, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in _SKIPPED_DIRS]
        for name in names:
            if name.endswith(suffixes):
                yield Path(directory, name)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def _python_imports(text: str) -> set[str]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def _js_imports(text: str) -> set[str]:
    masked = lexing.mask(text, lexing.JAVASCRIPT)
    found = set()
    for match in _JS_IMPORT.finditer(masked):
        path = text[match.end(1) : match.end() - 1]
        if path and "${" not in path and "\n" not in path:
            found.add(path)
    return found


def _java_imports(text: str) -> set[str]:
    return set(_JAVA_IMPORT.findall(lexing.mask(text, lexing.JAVA)))


def _go_imports(text: str, masked: str) -> list[tuple[str, str]]:
    """(name, import path) of each import: the name is ``""`` when not given."""
    pairs = []
    for declaration in _GO_IMPORT_DECL.finditer(masked):
        start, end = declaration.span(1)
        for spec in _GO_IMPORT_SPEC.finditer(masked, start, end):
            literal_start, literal_end = spec.span(2)
            path = text[literal_start + 1 : literal_end - 1]
            pairs.append((spec.group(1) or "", path))
    return pairs


def _go_package_names(path: str) -> set[str]:
    """Names a file may use for ``path`` when it imports it without a name."""
    parts = path.split("/")
    last = parts[-1]
    if len(parts) > 1 and _GO_MAJOR_VERSION.fullmatch(last):
        last = parts[-2]
    if parts[0] == "gopkg.in":
        last = re.sub(r"\.v\d+$", "", last)
    names = {re.sub(r"\W", "_", n) for n in (last, _GO_NAME_AFFIX.sub("", last))}
    return {name for name in names if name.isidentifier()}


def imported_modules(root: Path) -> dict[str, set[str]]:
    """Modules, packages or import paths imported by the code, per language."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in _files(root, LANGUAGE_SUFFIXES["python"]):
        found["python"] |= _python_imports(_read(path))
    for path in _files(root, LANGUAGE_SUFFIXES["javascript"]):
        found["javascript"] |= _js_imports(_read(path))
    for path in _files(root, LANGUAGE_SUFFIXES["java"]):
        found["java"] |= _java_imports(_read(path))
    for path in _files(root, LANGUAGE_SUFFIXES["go"]):
        text = _read(path)
        masked = lexing.mask(text, lexing.GO)
        found["go"] |= {p for _, p in _go_imports(text, masked)}
    return dict(found)


def used_symbols(root: Path, language: str) -> set[str]:
    """``importpath.Symbol`` uses (Go) or ``module.attr`` uses (Python), plus
    the bare names of methods called on values (Go; receivers are not resolved)."""
    if language == "go":
        return _go_symbols(root)
    if language == "python":
        return _python_symbols(root)
    return set()


def _go_symbols(root: Path) -> set[str]:
    used: set[str] = set()
    for path in _files(root, LANGUAGE_SUFFIXES["go"]):
        used |= _go_file_symbols(_read(path))
    return used


def _go_file_symbols(text: str) -> set[str]:
    """``importpath.Symbol`` uses of one file, plus the methods it calls."""
    masked = lexing.mask(text, lexing.GO)
    names: dict[str, set[str]] = defaultdict(set)
    dotted: list[str] = []
    for name, path in _go_imports(text, masked):
        if name == ".":
            dotted.append(path)
        elif name != "_":
            for candidate in {name} if name else _go_package_names(path):
                names[candidate].add(path)
    used: set[str] = set()
    for match in _GO_SELECTOR.finditer(masked):
        qualifier, symbol, call = match.groups()
        if qualifier in names:
            used |= {f"{path}.{symbol}" for path in names[qualifier]}
        elif call:
            used.add(symbol)
    if dotted:
        for match in _GO_IDENTIFIER.finditer(masked):
            selected, symbol = match.groups()
            if not selected and symbol[0].isupper():
                used |= {f"{path}.{symbol}" for path in dotted}
    return used


def _python_symbols(root: Path) -> set[str]:
    used: set[str] = set()
    for path in _files(root, LANGUAGE_SUFFIXES["python"]):
        try:
            tree = ast.parse(_read(path))
        except (SyntaxError, ValueError):
            continue
        aliases: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    aliases[alias.asname or alias.name.split(".")[0]] = (
                        alias.name if alias.asname else alias.name.split(".")[0]
                    )
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                used |= {f"{node.module}.{alias.name}" for alias in node.names}
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                dotted = _dotted(node)
                if dotted and dotted.split(".")[0] in aliases:
                    head, _, rest = dotted.partition(".")
                    used.add(f"{aliases[head]}.{rest}")
    return used


def _dotted(node: ast.expr) -> str:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return ""


def _prefixed(imports: set[str], prefix: str, sep: str) -> bool:
    return any(i == prefix or i.startswith(prefix + sep) for i in imports)


def _python_names(name: str) -> tuple[str, ...]:
    return PYPI_MODULES.get(name, (name.replace("-", "_"),))


def _java_prefixes(group: str, artifact: str) -> tuple[str, ...]:
    """``com.fasterxml.jackson.core:jackson-databind`` → the group and
    ``com.fasterxml.jackson.databind`` (artifacts often name the last package)."""
    parent = group.rsplit(".", 1)[0]
    tail = artifact.rsplit("-", 1)[-1].replace("_", "")
    return (group, f"{parent}.{tail}")


def _imported(match: VulnMatch, imports: dict[str, set[str]]) -> bool:
    package = match.package
    full = f"{package.namespace}/{package.name}" if package.namespace else package.name
    if package.type == "golang":
        go = imports.get("go", set())
        if match.modules:
            return any(_prefixed(go, m, "/") for m in match.modules)
        return _prefixed(go, full, "/")
    if package.type == "pypi":
        python = imports.get("python", set())
        return any(_prefixed(python, m, ".") for m in _python_names(package.name))
    if package.type == "npm":
        return _prefixed(imports.get("javascript", set()), full, "/")
    if package.type == "maven":
        java = imports.get("java", set())
        prefixes = _java_prefixes(package.namespace, package.name)
        return any(_prefixed(java, p, ".") for p in prefixes)
    return False


def _symbol_used(match: VulnMatch, symbol: str, used: set[str]) -> bool:
    if symbol in used:
        return True
    owners = [m for m in match.modules if symbol.startswith(m + ".")]
    if not owners:
        return False
    module = max(owners, key=len)
    _, dot, method = symbol[len(module) + 1 :].partition(".")
    # Type.Method: receivers are not resolved, so a call of that method on any
    # value counts, provided the code names the package somewhere.
    return bool(dot) and method in used and _named(module, used)


def _named(module: str, used: set[str]) -> bool:
    """Whether the code refers to a symbol of ``module`` by name."""
    prefix = module + "."
    return any(symbol.startswith(prefix) for symbol in used)


def reachability(
    match: VulnMatch, imports: dict[str, set[str]], symbols: set[str]
) -> bool:
    """Whether the code imports the vulnerable package and, when the advisory
    names affected symbols, uses one of them."""
    if not _imported(match, imports):
        return False
    if not match.symbols:
        return True
    return any(_symbol_used(match, s, symbols) for s in match.symbols)
