"""Sign-in sessions in the database (assessment/accounts/sessions.py), on SQLite and PostgreSQL:
a session is found by its token only, a handoff ticket works once and briefly, and a session ends
for every tab on sign-out, after the idle limit, when its account is disabled or changes password."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lifecycle_support import *  # noqa: F403 - the database fixtures
from lifecycle_support import PASSWORD, World
from sqlalchemy import func, select

from assessment.accounts import organisations, sessions
from assessment.accounts.identity import authenticate_external, principal_for
from assessment.errors import InvalidInput
from assessment.storage.db import utcnow
from assessment.storage.tables import AuditEntry, SignInSession


def _open(world: World) -> sessions.Started:
    actor = principal_for(world.db, world.ent_a.user_id or 0)
    return sessions.start(world.db, actor, "password")


def test_a_token_signs_in_its_account_and_nothing_else(world: World) -> None:
    started = _open(world)
    assert sessions.resolve(world.db, started.token) == world.ent_a
    # one character changed, another session's handoff ticket, nonsense: nobody
    tampered = started.token[:-1] + ("A" if started.token[-1] != "A" else "B")
    for token in (tampered, started.handoff, "", "x" * 500, None):
        assert sessions.resolve(world.db, token) is None
    # the database holds digests only: the token itself is nowhere in it
    with world.db.read() as session:
        row = session.get(SignInSession, started.session_id)
        assert row is not None
        assert started.token not in (row.token_sha256, row.handoff_sha256)


def test_a_handoff_ticket_works_once_and_yields_a_new_token(world: World) -> None:
    started = _open(world)
    cookie = sessions.redeem(world.db, started.handoff)
    assert cookie is not None
    assert cookie not in (started.token, started.handoff)
    assert sessions.resolve(world.db, cookie) == world.ent_a
    assert sessions.redeem(world.db, started.handoff) is None  # spent
    assert sessions.resolve(world.db, started.token) is None  # the page's token was replaced


def test_a_stale_handoff_ticket_is_refused(world: World) -> None:
    started = _open(world)
    with world.db.write() as session:
        row = session.get(SignInSession, started.session_id)
        assert row is not None
        row.handoff_until = utcnow() - timedelta(seconds=1)
    assert sessions.redeem(world.db, started.handoff) is None
    assert sessions.resolve(world.db, started.token) == world.ent_a  # the tab keeps its sign-in


def test_sign_out_ends_the_session_for_every_tab(world: World) -> None:
    started = _open(world)
    cookie = sessions.redeem(world.db, started.handoff)
    other = _open(world)  # the same person in another browser
    assert sessions.end(world.db, cookie) is True
    assert sessions.resolve(world.db, cookie) is None
    assert sessions.end(world.db, cookie) is False  # already ended
    assert sessions.resolve(world.db, other.token) == world.ent_a  # the other browser stays
    assert sessions.end_all(world.db, world.ent_a.user_id or 0) == 1
    assert sessions.resolve(world.db, other.token) is None


def test_an_idle_session_ends_after_the_configured_hours(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZHIZAO_SESSION_IDLE_HOURS", "2")
    started = _open(world)
    now = utcnow()
    assert sessions.resolve(world.db, started.token, now=now + timedelta(hours=1)) is not None
    # that use counted: two hours from it the session is still alive …
    assert sessions.resolve(world.db, started.token, now=now + timedelta(hours=2, minutes=30))
    # … and ends after two idle hours, for good
    assert sessions.resolve(world.db, started.token, now=now + timedelta(hours=5)) is None
    assert (
        sessions.resolve(world.db, started.token, now=now + timedelta(hours=5, seconds=1)) is None
    )
    monkeypatch.setenv("ZHIZAO_SESSION_IDLE_HOURS", "not a number")
    assert sessions.idle_limit() == timedelta(hours=8)


def test_disabling_an_account_ends_its_sessions_in_the_same_transaction(world: World) -> None:
    started = _open(world)
    user_id = world.ent_a.user_id or 0
    organisations.set_active(world.admin, world.db, user_id, False)
    with world.db.read() as session:
        live = session.scalar(
            select(func.count())
            .select_from(SignInSession)
            .where(SignInSession.user_id == user_id, SignInSession.ended_at.is_(None))
        )
        actions = list(
            session.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == str(user_id)))
        )
    assert live == 0
    assert "user.disable" in actions
    assert sessions.resolve(world.db, started.token) is None
    # enabled again, the account signs in anew; the ended session stays ended
    organisations.set_active(world.admin, world.db, user_id, True)
    assert sessions.resolve(world.db, started.token) is None
    assert sessions.resolve(world.db, _open(world).token) == world.ent_a


def test_an_administrator_cannot_disable_their_own_account(world: World) -> None:
    with pytest.raises(InvalidInput) as raised:
        organisations.set_active(world.admin, world.db, world.admin.user_id or 0, False)
    assert raised.value.problems[0].code == "accounts.cannot_disable_self"


def test_a_new_password_ends_the_sessions_signed_in_with_the_old_one(world: World) -> None:
    started = _open(world)
    organisations.change_password(world.ent_a, world.db, old=PASSWORD, new="a brand new passphrase")
    assert sessions.resolve(world.db, started.token) is None


def test_an_identity_providers_sign_in_maps_to_the_active_account_of_its_email(
    world: World,
) -> None:
    email = world.ent_a.name  # the Principal's name is the account's e-mail
    actor = authenticate_external(world.db, email.upper(), "https://idp.example.cn")
    assert actor == world.ent_a
    assert authenticate_external(world.db, "nobody@example.org", "https://idp.example.cn") is None
    issued = utcnow() - timedelta(seconds=5)
    started = sessions.start(world.db, actor, "oidc")
    assert not sessions.provider_sign_in_spent(world.db, email, issued)
    sessions.end(world.db, started.token)
    # the same provider sign-in cannot start another session once one ended; a new one can
    assert sessions.provider_sign_in_spent(world.db, email, issued)
    assert not sessions.provider_sign_in_spent(world.db, email, utcnow() + timedelta(seconds=1))
    organisations.set_active(world.admin, world.db, world.ent_a.user_id or 0, False)
    assert authenticate_external(world.db, email, "https://idp.example.cn") is None
