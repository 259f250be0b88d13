"""The login page (/accounts/login/): open to anyone, lands on the dashboard, and
throttles repeated failures."""

from __future__ import annotations


def test_the_login_page_answers(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b"Log in" in response.content


def test_alice_logs_in_and_lands_on_her_teams(client, alice):
    response = client.post(
        "/accounts/login/",
        {"username": "alice", "password": "alice-pass-1"},
        follow=True,
    )
    assert response.redirect_chain == [("/", 302)]
    page = response.content.decode()
    assert 'data-testid="team-sales"' in page
    assert ">Uploader</span>" in page


def test_a_wrong_password_is_refused_with_a_message(client, alice):
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": "wrong"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert b"Please enter a correct username and password" in response.content


def test_login_is_throttled_after_repeated_failures(client, alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": "alice-pass-1"}
    )
    assert b"Too many failed log-in attempts" in response.content
    assert "_auth_user_id" not in client.session
