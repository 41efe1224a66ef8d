"""The interface is Swedish by default and English on request.

The Swedish catalogue (``locale/sv/LC_MESSAGES/django.po``) must be complete: every msgid has a
reviewed (not fuzzy) translation that keeps the msgid's placeholders. The compiled ``.mo`` is
committed, so a machine without gettext runs the app in Swedish; it must therefore match the
``.po`` it was compiled from (run ``make messages`` after editing the ``.po``).
"""

import gettext
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
SV_PO = LOCALE_DIR / "sv" / "LC_MESSAGES" / "django.po"
SV_MO = SV_PO.with_suffix(".mo")


# A tiny .po reader (polib is not a dependency) -------------------------------------------------

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), f"not a quoted .po string: {text!r}"
    return re.sub(r"\\(.)", lambda m: _ESCAPES[m.group(1)], text[1:-1])


@dataclass
class Entry:
    line: int
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def where(self) -> str:
        return f"{SV_PO.name}:{self.line} {self.msgid!r}"


def read_po(path: Path) -> list[Entry]:
    """Every entry of the file, the header (msgid "") included."""
    entries: list[Entry] = []
    entry: Entry | None = None
    key: str | None = None

    def target(name: str) -> tuple[str, int | None]:
        match = re.fullmatch(r"msgstr\[(\d+)\]", name)
        return ("msgstr", int(match.group(1))) if match else (name, None)

    def append(name: str, text: str) -> None:
        assert entry is not None
        attr, index = target(name)
        if attr == "msgstr":
            entry.msgstr[index or 0] = entry.msgstr.get(index or 0, "") + text
        else:
            setattr(entry, attr, (getattr(entry, attr) or "") + text)

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
            if line.startswith("|"):  # the previous msgid of an obsolete entry
                continue
        if not line:
            entry, key = None, None
            continue
        if line.startswith("#"):
            if entry is None or key is not None:  # a comment opens a new entry
                entry, key = Entry(line=number), None
                entries.append(entry)
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        if entry is None:
            entry, key = Entry(line=number), None
            entries.append(entry)
        entry.obsolete = entry.obsolete or obsolete
        if line.startswith('"'):
            assert key is not None, f"{path}:{number}: continuation line without a keyword"
            append(key, _unquote(line))
            continue
        keyword, _, rest = line.partition(" ")
        assert re.fullmatch(r"msgctxt|msgid|msgid_plural|msgstr(\[\d+\])?", keyword), (
            f"{path}:{number}: unknown keyword {keyword!r}"
        )
        starts_entry = keyword == "msgctxt" or (keyword == "msgid" and key != "msgctxt")
        if starts_entry and key is not None:  # a new entry without a comment or blank line
            entry = Entry(line=number)
            entries.append(entry)
        key = keyword
        attr, index = target(keyword)
        if attr == "msgstr":
            entry.msgstr[index or 0] = ""
        else:
            setattr(entry, attr, "")
        append(keyword, _unquote(rest))
    return entries


def messages(path: Path = SV_PO) -> list[Entry]:
    """The translatable entries: no header, no obsolete (#~) leftovers."""
    return [e for e in read_po(path) if e.msgid and not e.obsolete]


# Placeholders: %(name)s / %s (python-format) and {name} (python-brace-format) ------------------

_PERCENT = re.compile(r"%(?:\((\w+)\))?[#0\- +]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa%])")
_BRACE = re.compile(r"\{[^{}]*\}")


def placeholders(text: str) -> Counter[str]:
    found = Counter(m.group(0) for m in _PERCENT.finditer(text) if m.group(2) != "%")
    found.update(_BRACE.findall(text))
    return found


# (a) the Swedish catalogue is complete -----------------------------------------------------------


def test_the_swedish_catalogue_exists_and_has_messages() -> None:
    assert SV_PO.exists(), "run: make messages"
    assert len(messages()) > 100


def test_the_swedish_header_declares_the_language_and_plural_rule() -> None:
    header = next(e for e in read_po(SV_PO) if e.msgid == "" and not e.obsolete)
    assert "fuzzy" not in header.flags
    assert "Language: sv\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr[0]
    assert "charset=UTF-8" in header.msgstr[0]


def test_every_msgid_has_a_reviewed_swedish_translation() -> None:
    problems = []
    for entry in messages():
        if "fuzzy" in entry.flags:
            problems.append(f"{entry.where}: fuzzy")
        expected = 2 if entry.msgid_plural is not None else 1
        if sorted(entry.msgstr) != list(range(expected)):
            problems.append(f"{entry.where}: msgstr forms {sorted(entry.msgstr)}")
        for index, text in entry.msgstr.items():
            if not text.strip():
                problems.append(f"{entry.where}: msgstr[{index}] is empty")
    assert not problems, "\n".join(problems)


def test_translations_keep_the_placeholders_of_the_msgid() -> None:
    problems = []
    for entry in messages():
        for index, text in entry.msgstr.items():
            source = entry.msgid if index == 0 else (entry.msgid_plural or entry.msgid)
            if placeholders(text) != placeholders(source):
                problems.append(
                    f"{entry.where}: msgstr[{index}] has {sorted(placeholders(text).elements())}, "
                    f"msgid has {sorted(placeholders(source).elements())}"
                )
    assert not problems, "\n".join(problems)


def test_translations_keep_leading_and_trailing_whitespace() -> None:
    problems = [
        f"{entry.where}: msgstr[{index}] {text!r}"
        for entry in messages()
        for index, text in entry.msgstr.items()
        if text[:1].isspace() != entry.msgid[:1].isspace()
        or text[-1:].isspace() != entry.msgid[-1:].isspace()
    ]
    assert not problems, "\n".join(problems)


def test_the_parser_reads_plurals_placeholders_and_escapes(tmp_path: Path) -> None:
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: sv\\n"\n\n'
        "#: a.html:1\n#, python-format\n"
        'msgid "%(counter)s item"\nmsgid_plural "%(counter)s items"\n'
        'msgstr[0] "%(counter)s träff"\nmsgstr[1] "%(counter)s träffar"\n\n'
        '#, fuzzy\nmsgid ""\n"Say \\"hi\\" "\n"{seq}"\nmsgstr "Säg \\"hej\\" {seq}"\n\n'
        '#~ msgid "Gone"\n#~ msgstr "Borta"\n',
        encoding="utf-8",
    )
    plural, fuzzy = messages(po)
    assert (plural.msgid_plural, plural.msgstr) == (
        "%(counter)s items",
        {0: "%(counter)s träff", 1: "%(counter)s träffar"},
    )
    assert (fuzzy.msgid, fuzzy.msgstr, fuzzy.flags) == (
        'Say "hi" {seq}',
        {0: 'Säg "hej" {seq}'},
        {"fuzzy"},
    )
    assert placeholders("%(n)d rad(er), %s och {seq:04}, 100 %%") == Counter(
        ["%(n)d", "%s", "{seq:04}"]
    )


# (b) the committed .mo is the compiled .po -------------------------------------------------------


def test_every_catalogue_is_compiled() -> None:
    pos = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/django.po"))
    assert {p.parent.parent.name for p in pos} >= {code for code, _ in settings.LANGUAGES}
    missing = [str(p.relative_to(LOCALE_DIR)) for p in pos if not p.with_suffix(".mo").exists()]
    assert not missing, f"not compiled (run: make messages): {missing}"


def test_the_compiled_swedish_catalogue_matches_the_po() -> None:
    with SV_MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in messages():
        if entry.msgid_plural is not None:
            for n, index in ((1, 0), (2, 1), (5, 1)):
                got = (
                    compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                    if entry.msgctxt is not None
                    else compiled.ngettext(entry.msgid, entry.msgid_plural, n)
                )
                if got != entry.msgstr[index]:
                    stale.append(f"{entry.where} (n={n}): .mo has {got!r}")
        else:
            got = (
                compiled.pgettext(entry.msgctxt, entry.msgid)
                if entry.msgctxt is not None
                else compiled.gettext(entry.msgid)
            )
            if got != entry.msgstr[0]:
                stale.append(f"{entry.where}: .mo has {got!r}, .po has {entry.msgstr[0]!r}")
    assert not stale, "the .mo is older than the .po (run: make messages):\n" + "\n".join(stale)


# (c) the running app speaks Swedish first, English on request -----------------------------------


@pytest.mark.django_db
def test_the_login_page_is_swedish_by_default_and_english_on_request(client: Client) -> None:
    page = client.get("/login/").content.decode()
    assert '<html lang="sv">' in page
    assert "Logga in" in page
    assert "Log in" not in page

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"}, follow=True)
    assert response.redirect_chain == [("/login/", 302)]
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "Log in" in page
    assert "Logga in" not in page

    # and back again
    page = client.post("/i18n/setlang/", {"language": "sv", "next": "/login/"}, follow=True)
    assert "Logga in" in page.content.decode()


@pytest.mark.django_db
def test_translated_python_strings_reach_the_page(client: Client) -> None:
    """A lazy string from Python code (a role name) as well as template text is translated."""
    from django.utils import translation

    from medtek.organisation.roles import Role

    with translation.override("sv"):
        assert str(Role.PATIENT_SAFETY_OFFICER.label) == "Chefläkare"
        assert str(Role.HEAD_OF_UNIT.label) == "Verksamhetschef"
    with translation.override("en"):
        assert str(Role.PATIENT_SAFETY_OFFICER.label) == "Patient-safety officer"
