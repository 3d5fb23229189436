"""Every user-facing string has its Chinese translation.

The strings are collected afresh from the code with ``makemessages`` into a copy of
the catalogue, so a string added without a translation fails here.
"""

import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

pytestmark = pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs gettext")


def test_chinese_catalogue_translates_every_string_in_the_code(tmp_path, monkeypatch):
    locale = tmp_path / "locale"
    shutil.copytree(Path(settings.BASE_DIR) / "locale", locale)
    monkeypatch.chdir(settings.BASE_DIR)
    monkeypatch.setattr(settings, "LOCALE_PATHS", [locale])
    call_command(
        "makemessages",
        locale=["zh_Hans"],
        ignore_patterns=[".venv", "locale", "tests", "var", "staticfiles", "media", "bench"],
        no_obsolete=True,
        verbosity=0,
    )
    catalogue = polib.pofile(str(locale / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    missing = [e.msgid for e in catalogue if not e.obsolete and (not e.translated() or e.fuzzy)]
    assert missing == [], f"{len(missing)} strings lack a Chinese translation: {missing[:20]}"


def test_pages_are_chinese_by_default(client, world):
    client.force_login(world.bureau)
    response = client.get("/accounts/login/")
    assert response.headers["Content-Language"] == "zh-hans"
