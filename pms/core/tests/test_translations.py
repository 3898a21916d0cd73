"""Every user-facing string has its Chinese translation (and the catalogue is current)."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[3]


def test_every_string_is_translated_into_chinese(tmp_path: Path) -> None:
    # given a copy of the sources, so extracting strings leaves the working tree alone
    for name in ("pms", "templates", "config", "locale"):
        shutil.copytree(
            ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo")
        )
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    # when the catalogue is brought up to date with the code
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "VAR_DIR": str(tmp_path / "var"),
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # then nothing is missing or fuzzy
    catalogue = polib.pofile(str(tmp_path / "locale/zh_Hans/LC_MESSAGES/django.po"))
    missing = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert missing == [], f"{len(missing)} strings without Chinese: {missing[:20]}"
    assert fuzzy == [], f"fuzzy translations: {fuzzy[:20]}"
    assert len(catalogue.translated_entries()) > 100
