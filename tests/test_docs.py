"""The repository explains itself: what the code cites lives in the project's own docs."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CITATION = re.compile(r"docs/domain/([\w-]+\.md)(?:#([\w-]+))?")
# "#check-digits, #emdn" after a citation: further anchors of the same note.
MORE = re.compile(r"^[:,]?\s*((?:#[\w-]+(?:,\s*|\s+and\s+)?)+)")


def _anchors(note: Path) -> set[str]:
    """GitHub-style anchors of a note's headings (lower case, spaces to hyphens)."""
    found = set()
    for line in note.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return found


def _sources() -> list[Path]:
    return [*(ROOT / "medtek").rglob("*.py"), *(ROOT / "tests").rglob("*.py")]


def test_it_cites_no_document_outside_the_repository():
    offenders = [
        str(p.relative_to(ROOT))
        for p in _sources()
        if re.search(r"(?<!docs/domain/)\bdomain\.md\b|\.\./shared", p.read_text(encoding="utf-8"))
        and p.name != "test_docs.py"
    ]
    assert offenders == []


def test_every_citation_of_a_domain_note_resolves():
    missing = []
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        for match in CITATION.finditer(text):
            note = ROOT / "docs" / "domain" / match.group(1)
            if not note.exists():
                missing.append(f"{path.name}: {match.group(0)}")
                continue
            anchors = [match.group(2)] if match.group(2) else []
            more = MORE.match(text[match.end() :])
            if more:
                anchors += re.findall(r"#([\w-]+)", more.group(1))
            known = _anchors(note)
            missing += [f"{path.name}: {note.name}#{a}" for a in anchors if a not in known]
    assert missing == []
