"""A finding keeps its identity when lines move and whitespace changes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sordino.analysis import fingerprint as fp
from sordino.ingest.bundle import FindingRecord
from sordino.ingest.service import identify

RULES = st.sampled_from(["python.sqli", "js.xss", "go/cmdi", "java.path-traversal"])
SEGMENT = st.text(alphabet="abcdefghij_-", min_size=1, max_size=8)
PATHS = st.lists(SEGMENT, min_size=1, max_size=4).map("/".join)
WORD = st.text(alphabet="abcxyz()+.'=\"0123456789", min_size=1, max_size=10)
CODE = st.lists(WORD, min_size=1, max_size=8)
SPACING = st.lists(st.sampled_from([" ", "  ", "\t", "\n", " \n\t "]), min_size=1)


def _spread(words: list[str], gaps: list[str], indent: str) -> str:
    """Join ``words`` with ``gaps`` (cycled) after ``indent``."""
    text = words[0]
    for index, word in enumerate(words[1:]):
        text += gaps[index % len(gaps)] + word
    return indent + text


def _record(rule: str, path: str, line: int, snippet: str) -> FindingRecord:
    return FindingRecord(
        rule_id=rule, title=rule, file=path, line=line, snippet=snippet
    )


@given(
    RULES, PATHS, CODE, SPACING, SPACING, st.integers(1, 10_000), st.integers(1, 500)
)
def test_code_fingerprint_ignores_spacing_and_position(
    rule: str,
    path: str,
    words: list[str],
    gaps: list[str],
    other_gaps: list[str],
    line: int,
    shift: int,
) -> None:
    """Reindenting, re-spacing and moving the snippet keeps the fingerprint."""
    before = fp.code_fingerprint(rule, path, " ".join(words), str(line))
    after = fp.code_fingerprint(
        rule, "./" + path, _spread(words, other_gaps, "\t  "), str(line + shift)
    )
    assert before == after
    assert before.startswith(rule + "/")
    assert fp.code_fingerprint(rule, path, _spread(words, gaps, ""), "") == before


@given(RULES, PATHS, CODE, st.sampled_from(["()", "+1", "x"]))
def test_code_fingerprint_changes_with_the_code(
    rule: str, path: str, words: list[str], extra: str
) -> None:
    """Changing the flagged text or the file makes another finding."""
    base = fp.code_fingerprint(rule, path, " ".join(words), "1")
    assert fp.code_fingerprint(rule, path, " ".join(words) + extra, "1") != base
    assert fp.code_fingerprint(rule, path + "_b", " ".join(words), "1") != base


FINDINGS = st.lists(
    st.tuples(RULES, PATHS, CODE, st.integers(1, 5_000)),
    min_size=1,
    max_size=25,
    unique_by=lambda item: (item[0], item[1], " ".join(item[2])),
)


@given(FINDINGS, st.integers(0, 400), SPACING)
def test_identify_is_stable_under_a_rescan_with_shifted_lines(
    items: list[tuple[str, str, list[str], int]], shift: int, gaps: list[str]
) -> None:
    """A rescan after inserting lines and reformatting yields the same ids."""
    first = [_record(r, p, line, " ".join(w)) for r, p, w, line in items]
    second = [
        _record(r, p, line + shift, _spread(w, gaps, "    ")) for r, p, w, line in items
    ]
    ids_before = [internal_id for internal_id, _ in identify(first)]
    ids_after = [internal_id for internal_id, _ in identify(second)]
    assert ids_before == ids_after
    assert len(set(ids_before)) == len(items)


@given(
    RULES,
    PATHS,
    CODE,
    st.lists(st.integers(1, 9_000), min_size=2, max_size=6, unique=True),
)
def test_repeated_snippets_stay_distinct_findings(
    rule: str, path: str, words: list[str], lines: list[int]
) -> None:
    """The same text flagged at several lines is several findings, in order."""
    lines = sorted(set(lines))
    records = [_record(rule, path, line, " ".join(words)) for line in lines]
    ids = [internal_id for internal_id, _ in identify(records)]
    # identify() files rules with a slash under a dotted slug.
    base = fp.code_fingerprint(rule.replace("/", "."), path, " ".join(words), "")
    assert ids == [base] + [f"{base}.{n}" for n in range(2, len(lines) + 1)]


@given(st.lists(st.tuples(RULES, PATHS, CODE, st.integers(1, 99)), max_size=10))
def test_identify_drops_exact_duplicates_only(
    items: list[tuple[str, str, list[str], int]],
) -> None:
    """Reporting every record twice changes nothing."""
    records = [_record(r, p, line, " ".join(w)) for r, p, w, line in items]
    assert identify(records + records) == identify(records)
