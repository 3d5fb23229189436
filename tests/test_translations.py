"""Every user-facing string has its Chinese translation.

The strings are collected afresh from the code with ``makemessages`` into a copy of
the catalogue, so a string added without a translation fails here.
"""

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.commands import makemessages

pytestmark = pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs gettext")


class IntoCopy(makemessages.Command):
    """``makemessages`` sends a project file's strings to the ``locale`` directory beside
    it, the real one; this sends every string into the copy under test instead, so the
    real catalogue is never touched and a new string fails on the first run."""

    locale: Path

    def find_files(self, root):
        found = super().find_files(root)
        return [makemessages.TranslatableFile(f.dirpath, f.file, str(self.locale)) for f in found]


def test_chinese_catalogue_translates_every_string_in_the_code(tmp_path, monkeypatch):
    locale = tmp_path / "locale"
    shutil.copytree(Path(settings.BASE_DIR) / "locale", locale)
    real = (
        Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    ).read_bytes()
    monkeypatch.chdir(settings.BASE_DIR)
    monkeypatch.setattr(settings, "LOCALE_PATHS", [locale])
    command = IntoCopy()
    command.locale = locale
    call_command(
        command,
        locale=["zh_Hans"],
        ignore_patterns=[".venv", "locale", "tests", "var", "staticfiles", "media", "bench"],
        no_obsolete=True,
        verbosity=0,
    )
    catalogue = polib.pofile(str(locale / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    missing = [e.msgid for e in catalogue if not e.obsolete and (not e.translated() or e.fuzzy)]
    assert missing == [], f"{len(missing)} strings lack a Chinese translation: {missing[:20]}"
    assert (
        Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    ).read_bytes() == real


def test_pages_are_chinese_by_default(client, world):
    client.force_login(world.bureau)
    response = client.get("/accounts/login/")
    assert response.headers["Content-Language"] == "zh-hans"


PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")
DOUBLED_ENGLISH = re.compile(r"\b(a|an|the|of|to|in|on|for|is|and|or|by|at|per)\s+\1\b", re.I)
DOUBLED_CHINESE = re.compile(r"的的|了了|，，|。。|、、|：：")


def _names(text: str) -> list[str]:
    return sorted(m.group(1) or m.group(2) for m in PLACEHOLDER.finditer(text))


def test_no_translation_drops_or_invents_a_value_or_doubles_a_word():
    """Each Chinese string names the same values as its English one (a value dropped is a
    word missing from the sentence; one invented fails when the text is written), and
    neither language doubles a word ("at least 2 a a term")."""
    catalogue = polib.pofile(
        str(Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    )
    problems = []
    for entry in catalogue:
        if entry.obsolete:
            continue
        # Chinese has one plural form: it reads as the English plural does.
        english = entry.msgid_plural or entry.msgid
        chinese = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for text in chinese:
            if _names(text) != _names(english):
                problems.append(f"values differ: {english!r} → {text!r}")
            if DOUBLED_CHINESE.search(text):
                problems.append(f"doubled in Chinese: {text!r}")
        for text in filter(None, [entry.msgid, entry.msgid_plural]):
            if DOUBLED_ENGLISH.search(text):
                problems.append(f"doubled in English: {text!r}")
    assert problems == [], "\n".join(problems[:20])
