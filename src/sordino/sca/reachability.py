"""Whether the app's own code uses a vulnerable package (and its affected symbols).

Imports are read from source: Python with ``ast``, JavaScript/TypeScript,
Java and Go with regular expressions. A vulnerable package is reachable when
the code imports it; when the advisory names affected symbols, only when the
code also uses one of them.
"""

from __future__ import annotations

import ast
import os
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import structlog

from sordino.vulndb.matching import VulnMatch

log = structlog.get_logger(__name__)

LANGUAGE_SUFFIXES = {
    "python": (".py",),
    "javascript": (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts"),
    "java": (".java", ".kt"),
    "go": (".go",),
}
_SKIPPED_DIRS = {".git", "node_modules", "vendor", ".venv", "venv", "__pycache__"}
_JS_IMPORT = re.compile(
    r"""(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]"""
)
_JAVA_IMPORT = re.compile(r"^\s*import\s+(?:static\s+)?([\w.]+)", re.MULTILINE)
_GO_IMPORT_BLOCK = re.compile(r"^import\s*\((.*?)^\)", re.MULTILINE | re.DOTALL)
_GO_IMPORT_LINE = re.compile(r'^import\s+(\w+\s+|\.\s+|_\s+)?"([^"]+)"', re.MULTILINE)
_GO_BLOCK_ITEM = re.compile(r'^\s*(\w+\s+|\.\s+|_\s+)?"([^"]+)"', re.MULTILINE)
_GO_SELECTOR = re.compile(r"\b([A-Za-z_]\w*)\.([A-Za-z_]\w*)\s*[\(\[{]?")
_GO_METHOD_CALL = re.compile(r"\.([A-Za-z_]\w*)\s*\(")

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


def _go_imports(text: str) -> dict[str, str]:
    """Import path → the name the file uses for it."""
    pairs = [(m.group(1), m.group(2)) for m in _GO_IMPORT_LINE.finditer(text)]
    for block in _GO_IMPORT_BLOCK.findall(text):
        pairs += [(m.group(1), m.group(2)) for m in _GO_BLOCK_ITEM.finditer(block)]
    result = {}
    for alias, path in pairs:
        name = (alias or "").strip() or _go_default_name(path)
        result[path] = name
    return result


def _go_default_name(path: str) -> str:
    last = path.rsplit("/", 1)[-1]
    if re.fullmatch(r"v\d+", last) and "/" in path:
        last = path.rsplit("/", 2)[-2]
    return last.removesuffix(".go").replace("-", "_").split(".")[-1]


def imported_modules(root: Path) -> dict[str, set[str]]:
    """Modules, packages or import paths imported by the code, per language."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in _files(root, LANGUAGE_SUFFIXES["python"]):
        found["python"] |= _python_imports(_read(path))
    for path in _files(root, LANGUAGE_SUFFIXES["javascript"]):
        found["javascript"] |= set(_JS_IMPORT.findall(_read(path)))
    for path in _files(root, LANGUAGE_SUFFIXES["java"]):
        found["java"] |= set(_JAVA_IMPORT.findall(_read(path)))
    for path in _files(root, LANGUAGE_SUFFIXES["go"]):
        found["go"] |= set(_go_imports(_read(path)))
    return dict(found)


def used_symbols(root: Path, language: str) -> set[str]:
    """``importpath.Symbol`` uses (Go) or ``module.attr`` uses (Python), plus
    bare method names called anywhere (receiver types are not resolved)."""
    if language == "go":
        return _go_symbols(root)
    if language == "python":
        return _python_symbols(root)
    return set()


def _go_symbols(root: Path) -> set[str]:
    used: set[str] = set()
    for path in _files(root, LANGUAGE_SUFFIXES["go"]):
        text = _read(path)
        names = {name: imp for imp, name in _go_imports(text).items()}
        for match in _GO_SELECTOR.finditer(text):
            qualifier, symbol = match.groups()
            if qualifier in names:
                used.add(f"{names[qualifier]}.{symbol}")
        used |= set(_GO_METHOD_CALL.findall(text))
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
    for module in match.modules:
        if symbol.startswith(module + "."):
            local = symbol[len(module) + 1 :]
            if "." in local:  # Type.Method: receivers are not resolved
                return local.split(".", 1)[1] in used
    return False


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
