"""Every query of the portal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from services.portal.models import (
    Account,
    Consent,
    FeedbackSent,
    Invitation,
    LoginThrottle,
    Notification,
    NotificationSettings,
    ResetCode,
    SignedOutSession,
)


def add(session: Session, row: Account | Consent | ResetCode | FeedbackSent | Invitation) -> None:
    session.add(row)
    session.flush()


def get_account(session: Session, account_id: int) -> Account | None:
    return session.get(Account, account_id)


def account_by_login(session: Session, login: str) -> Account | None:
    return session.scalars(select(Account).where(Account.login == login)).one_or_none()


def account_by_credit_code(session: Session, code: str) -> Account | None:
    return session.scalars(select(Account).where(Account.credit_code == code)).one_or_none()


def enterprises(session: Session, *, status: str | None = None, limit: int = 200) -> Sequence[Account]:
    statement = select(Account).where(Account.kind == "enterprise")
    if status is not None:
        statement = statement.where(Account.status == status)
    return session.scalars(statement.order_by(Account.id).limit(limit)).all()


def consents(session: Session, account_id: int) -> Sequence[Consent]:
    return session.scalars(select(Consent).where(Consent.account_id == account_id).order_by(Consent.id)).all()


def feedback(session: Session, account_id: int) -> Sequence[FeedbackSent]:
    return session.scalars(select(FeedbackSent).where(FeedbackSent.account_id == account_id)
                           .order_by(FeedbackSent.id)).all()


def notifications(session: Session, account_id: int) -> Sequence[Notification]:
    return session.scalars(select(Notification).where(Notification.account_id == account_id)
                           .order_by(Notification.id)).all()


def feedback_since(session: Session, account_id: int, *, action: str, since: datetime) -> set[int]:
    """The opportunities ``action`` feedback was sent about for the account since ``since``."""
    return set(session.scalars(select(FeedbackSent.opportunity_id).where(
        FeedbackSent.account_id == account_id, FeedbackSent.action == action, FeedbackSent.sent_at >= since)))


def throttle(session: Session, key: str) -> LoginThrottle | None:
    return session.get(LoginThrottle, key, with_for_update=True)


def save_throttle(session: Session, row: LoginThrottle) -> None:
    session.merge(row)


def clear_throttle(session: Session, key: str) -> None:
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))


def live_reset_codes(session: Session, account_id: int, now: datetime) -> Sequence[ResetCode]:
    return session.scalars(select(ResetCode).where(ResetCode.account_id == account_id, ResetCode.used.is_(False),
                                                   ResetCode.expires_at > now)).all()


def remove_account(session: Session, account: Account) -> None:
    """Delete the account and everything kept about it (explicitly: SQLite may run without cascades)."""
    for model in (Consent, ResetCode, FeedbackSent, Notification, NotificationSettings):
        session.execute(delete(model).where(model.account_id == account.id))
    session.execute(delete(Invitation).where(Invitation.enterprise_account_id == account.id))
    if account.kind == "seeker" and account.profile_id is not None:  # invitations addressed to them
        session.execute(delete(Invitation).where(Invitation.talent_id == account.profile_id))
    session.delete(account)


# invitations -------------------------------------------------------------------------------------------
def invitation(session: Session, invitation_id: int, *, lock: bool = False) -> Invitation | None:
    return session.get(Invitation, invitation_id, with_for_update=lock)


def live_invitation(session: Session, *, opportunity_id: int, talent_id: int) -> Invitation | None:
    return session.scalars(select(Invitation).where(Invitation.opportunity_id == opportunity_id,
                                                    Invitation.talent_id == talent_id,
                                                    Invitation.live.is_(True))).one_or_none()


def invitations_sent(session: Session, account_id: int, *, opportunity_id: int | None = None,
                     limit: int = 500) -> Sequence[Invitation]:
    statement = select(Invitation).where(Invitation.enterprise_account_id == account_id)
    if opportunity_id is not None:
        statement = statement.where(Invitation.opportunity_id == opportunity_id)
    return session.scalars(statement.order_by(Invitation.id.desc()).limit(limit)).all()


def invitations_received(session: Session, talent_id: int, *, limit: int = 500) -> Sequence[Invitation]:
    return session.scalars(select(Invitation).where(Invitation.talent_id == talent_id)
                           .order_by(Invitation.id.desc()).limit(limit)).all()


def invitations_with_clear_contact(session: Session, *, prefix: str) -> Sequence[Invitation]:
    """Invitations whose released phone or e-mail does not start with the ciphertext's ``prefix``."""
    stored = (Invitation.contact_phone, Invitation.contact_email)
    return session.scalars(select(Invitation).where(or_(*(c.not_like(f"{prefix}%") for c in stored)))).all()


def sign_out(session: Session, *, session_id: str, expires_at: datetime, now: datetime) -> None:
    """Record a signed-out session (idempotent) and forget those that have expired anyway."""
    session.execute(delete(SignedOutSession).where(SignedOutSession.expires_at < now))
    if session.get(SignedOutSession, session_id) is None:
        session.add(SignedOutSession(session_id=session_id, expires_at=expires_at))


def signed_out(session: Session, session_id: str) -> bool:
    return session.get(SignedOutSession, session_id) is not None


def unanswered_count(session: Session, talent_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(Invitation)
                              .where(Invitation.talent_id == talent_id, Invitation.status == "sent")) or 0)
