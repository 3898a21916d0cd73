"""Signing in, lock-out, password change and reset."""

import re
from collections.abc import Callable

import pytest
from django.core import mail
from django.test import Client

from pms.org.tests.factories import TestOrg

LOGIN = "/accounts/login/"


@pytest.fixture
def with_password(org: TestOrg) -> TestOrg:
    assert org.employee.user is not None
    org.employee.user.set_password("correct-horse-9")
    org.employee.user.save()
    return org


def test_login_with_the_right_password_lands_on_home(with_password: TestOrg) -> None:
    client = Client()
    response = client.post(LOGIN, {"username": "E0004", "password": "correct-horse-9"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/"
    assert "陈员工" in response.content.decode()


def test_wrong_password_shows_an_error_and_no_session(with_password: TestOrg) -> None:
    client = Client()
    response = client.post(LOGIN, {"username": "E0004", "password": "wrong"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_account(with_password: TestOrg, settings: object) -> None:
    client = Client()
    for _ in range(5):
        client.post(LOGIN, {"username": "E0004", "password": "wrong"})
    # even the right password is refused while locked
    response = client.post(LOGIN, {"username": "E0004", "password": "correct-horse-9"})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_pages_need_a_session() -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_password_change(with_password: TestOrg) -> None:
    client = Client()
    client.post(LOGIN, {"username": "E0004", "password": "correct-horse-9"})
    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": "correct-horse-9",
            "new_password1": "battery-staple-77",
            "new_password2": "battery-staple-77",
        },
    )
    assert response.status_code == 302
    assert with_password.employee.user is not None
    with_password.employee.user.refresh_from_db()
    assert with_password.employee.user.check_password("battery-staple-77")


def test_password_change_refuses_a_weak_password(with_password: TestOrg) -> None:
    client = Client()
    client.post(LOGIN, {"username": "E0004", "password": "correct-horse-9"})
    response = client.post(
        "/accounts/password/change/",
        {"old_password": "correct-horse-9", "new_password1": "123", "new_password2": "123"},
    )
    assert response.status_code == 200
    assert "too short" in response.content.decode()
    assert with_password.employee.user is not None
    with_password.employee.user.refresh_from_db()
    assert with_password.employee.user.check_password("correct-horse-9")


def test_password_reset_by_email(with_password: TestOrg) -> None:
    client = Client()
    email = with_password.employee.email
    response = client.post("/accounts/password/reset/", {"email": email}, follow=True)
    assert response.status_code == 200
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", body)
    assert link is not None
    # the link leads to a form that sets the password
    form = client.get(link.group(1), follow=True)
    assert form.status_code == 200
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "new-secret-pass-1", "new_password2": "new-secret-pass-1"},
    )
    assert response.status_code == 302
    assert with_password.employee.user is not None
    with_password.employee.user.refresh_from_db()
    assert with_password.employee.user.check_password("new-secret-pass-1")


def test_password_reset_for_unknown_email_sends_nothing(org: TestOrg) -> None:
    response = Client().post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_logout(client_for: Callable[[str], Client]) -> None:
    client = client_for("employee")
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_home_shows_roles(client_for: Callable[[str], Client]) -> None:
    response = client_for("head").get("/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "Department head" in text
    assert "销售中心" in text


def test_chinese_is_the_default_language(org: TestOrg, settings: object) -> None:
    settings.LANGUAGE_CODE = "zh-hans"  # type: ignore[attr-defined]
    response = Client().get(LOGIN)
    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.content.decode()
