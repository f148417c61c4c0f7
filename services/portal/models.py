"""Tables of the portal: accounts, consents, login throttling, reset codes, the feedback it sent, the
interview invitations enterprises send to shortlisted talents, seekers' notifications with their settings, and
sessions signed out before their expiry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import RecordId, UTCDateTime

# A released phone or e-mail as ciphertext: "siv1:" + base64 of a 16-byte tag and the UTF-8 value (an
# e-mail address of 254 characters takes 365).
CONTACT_CIPHERTEXT_CHARS = 400


class Base(DeclarativeBase):
    pass


class Account(Base):
    """A person's account. ``login`` is the normalized phone number or e-mail address (operators: a name)."""

    __tablename__ = "accounts"
    __table_args__ = ({"sqlite_autoincrement": True},)  # the id is the token subject: never reused

    id: Mapped[int] = mapped_column(RecordId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(12))  # seeker | enterprise | operator
    login: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    # active | pending (an enterprise awaiting an operator) | rejected
    status: Mapped[str] = mapped_column(String(12), index=True)
    display_name: Mapped[str] = mapped_column(String(60), default="")
    organization: Mapped[str | None] = mapped_column(String(200), default=None)
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True, default=None)
    profile_id: Mapped[int | None] = mapped_column(BigInteger, default=None)  # the seeker's profile in profiles
    reviewed_by: Mapped[str | None] = mapped_column(String(128), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Consent(Base):
    """One consent given to one stated purpose of processing (PIPL), kept with its time and wording version."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(RecordId, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    wording_version: Mapped[str] = mapped_column(String(20))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LoginThrottle(Base):
    """Failed sign-ins of one key (a login name or a client address) in the current window."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started: Mapped[datetime] = mapped_column(UTCDateTime())


class ResetCode(Base):
    """A one-time password reset code, stored hashed."""

    __tablename__ = "reset_codes"

    id: Mapped[int] = mapped_column(RecordId, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used: Mapped[bool] = mapped_column(default=False)


class FeedbackSent(Base):
    """Feedback the portal sent to matching on a user's behalf, so that the user's export can list it."""

    __tablename__ = "feedback_sent"

    id: Mapped[int] = mapped_column(RecordId, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    talent_id: Mapped[int] = mapped_column(BigInteger)
    opportunity_id: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SignedOutSession(Base):
    """A session signed out before its token expired: the portal refuses its cookie from then on. Kept until
    the token's own expiry, then purged."""

    __tablename__ = "signed_out_sessions"

    session_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the token's ``jti``
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Invitation(Base):
    """An enterprise's invitation of a shortlisted talent to an interview: sent, then accepted (one proposed
    time chosen, contact released), declined or withdrawn. The contact exists only once accepted."""

    __tablename__ = "invitations"
    # ``live`` is true while sent or accepted and NULL once closed: NULLs never collide in a unique key, so this
    # allows one live invitation per opportunity and talent, and any number of closed ones (on every backend).
    __table_args__ = (UniqueConstraint("opportunity_id", "talent_id", "live", name="uq_invitations_live"),)

    id: Mapped[int] = mapped_column(RecordId, primary_key=True, autoincrement=True)
    enterprise_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    organization: Mapped[str] = mapped_column(String(200))
    opportunity_id: Mapped[int] = mapped_column(BigInteger)
    opportunity_title: Mapped[str] = mapped_column(String(200))  # copied: the inbox reads without a call
    talent_id: Mapped[int] = mapped_column(BigInteger, index=True)  # the seeker's profile id
    talent_name: Mapped[str] = mapped_column(String(60))  # as the shortlist showed it
    message: Mapped[str] = mapped_column(Text)
    mode: Mapped[str] = mapped_column(String(10))  # onsite | video
    place: Mapped[str] = mapped_column(String(200), default="")  # the address (onsite) or how to join (video)
    time_1: Mapped[datetime] = mapped_column(UTCDateTime())
    time_2: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    time_3: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    status: Mapped[str] = mapped_column(String(12))  # sent | accepted | declined | withdrawn
    live: Mapped[bool | None] = mapped_column(Boolean)
    chosen_time: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    decline_reason: Mapped[str] = mapped_column(String(300), default="")
    # Released by the seeker on accepting, for this enterprise only. Phone and e-mail are ciphertext
    # (shared.crypto, the contact key of profiles): InvitationService.contact decrypts them.
    contact_name: Mapped[str | None] = mapped_column(String(60), default=None)
    contact_phone: Mapped[str | None] = mapped_column(String(CONTACT_CIPHERTEXT_CHARS), default=None)
    contact_email: Mapped[str | None] = mapped_column(String(CONTACT_CIPHERTEXT_CHARS), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    @property
    def times(self) -> list[datetime]:
        return [t for t in (self.time_1, self.time_2, self.time_3) if t is not None]
class Notification(Base):
    """One in-app notice. ``params`` holds the values its text is rendered from, in the reader's language;
    ``source_key`` names the event it came from, so a replayed event never notifies twice."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("account_id", "source_key", name="uq_notifications_source"),)

    id: Mapped[int] = mapped_column(RecordId, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # new_match | application_status | invitation[_withdrawn]
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    link: Mapped[str] = mapped_column(String(300), default="")
    source_key: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class NotificationSettings(Base):
    """A seeker's choices: the score from which a new opportunity is worth a notice, and whether to get those."""

    __tablename__ = "notification_settings"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    match_threshold: Mapped[float] = mapped_column(Float)
    new_match_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
