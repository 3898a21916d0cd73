"""Settings come from the environment; production-like values pass ``check --deploy``."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]


def run_manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_is_clean_with_production_values(tmp_path: Path) -> None:
    result = run_manage(
        {
            "DEBUG": "0",
            "HTTPS": "1",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "pms.example.com",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "VAR_DIR": str(tmp_path),
        },
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_embedded_defaults_generate_and_keep_a_secret_key(tmp_path: Path) -> None:
    env = {"VAR_DIR": str(tmp_path), "SECRET_KEY": ""}
    script = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = run_manage(env, "shell", "--no-imports", "-c", script)
    second = run_manage(env, "shell", "--no-imports", "-c", script)
    assert first.returncode == 0, first.stderr
    key = (tmp_path / "secret_key").read_text().strip()
    assert len(key) >= 50
    assert first.stdout.strip() == second.stdout.strip() == key


def test_safe_defaults() -> None:
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.LANGUAGES[0][0] == "zh-hans"
    assert settings.PASSWORD_HASHERS  # argon2 in production; the tests swap in a fast one
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.AXES_FAILURE_LIMIT == 5


def test_default_database_is_sqlite_under_var() -> None:
    result = run_manage(
        {"DATABASE_URL": ""},
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; d = settings.DATABASES['default'];"
        " print(d['ENGINE'], d['NAME'])",
    )
    assert result.returncode == 0, result.stderr
    engine, name = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert name.endswith("var/db.sqlite3")
    assert (
        "Argon2"
        in run_manage(
            {},
            "shell",
            "--no-imports",
            "-c",
            "from django.conf import settings; print(settings.PASSWORD_HASHERS[0])",
        ).stdout
    )
