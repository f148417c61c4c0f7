"""Interview invitations: an enterprise invites a talent of its shortlist; the seeker accepts one proposed time
and releases contact details to that enterprise alone, or declines; the enterprise may withdraw it unanswered.

No HTTP here: the pages check with the user's own token that the opportunity is theirs and the talent on its
shortlist before ``send``. Errors are the domain errors of ``shared.errors``, naming the form field.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from services.portal import repository
from services.portal.models import Account, Invitation
from shared.crypto import PREFIX, ContactCipher
from shared.db import transaction
from shared.errors import ConflictError, ForbiddenError, NotFoundError, UnprocessableError

log = logging.getLogger(__name__)

# China has kept one offset, without daylight saving, since 1991: times typed in the form are Beijing time.
BEIJING = timezone(timedelta(hours=8), "CST")
MESSAGE_MAX_CHARS = 1000
PLACE_MAX_CHARS = 200
REASON_MAX_CHARS = 300
MAX_TIMES = 3
LATEST_AHEAD = timedelta(days=365)
MODES = ("onsite", "video")
TIME_FIELDS = tuple(f"time_{n}" for n in range(1, MAX_TIMES + 1))

Event = Literal["sent", "accepted", "declined", "withdrawn"]
Notify = Callable[[Invitation, Event], None]


def raise_notification(invitation: Invitation, event: Event) -> None:
    """THE hook for in-app notifications, called once the change is committed: ``sent`` when an enterprise
    invites (notify the seeker whose profile is ``invitation.talent_id``), ``accepted`` / ``declined`` when
    the seeker answers and ``withdrawn`` when the enterprise takes it back (notify the other side;
    ``invitation.enterprise_account_id`` is the enterprise's account). Until notifications exist it logs,
    without personal data."""
    log.info("invitation %s %s (opportunity %s, talent %s)", invitation.id, event, invitation.opportunity_id,
             invitation.talent_id)


class InvitationFormError(UnprocessableError):
    """Several fields at once: ``errors`` maps each to its reason, as the form shows them."""

    def __init__(self, errors: dict[str, str]) -> None:
        name, reason = next(iter(errors.items()))
        super().__init__(reason, field=name)
        self.errors = errors


@dataclass(frozen=True)
class Draft:
    message: str
    mode: str
    place: str
    times: tuple[datetime, ...]


@dataclass(frozen=True)
class Contact:
    """What the seeker releases on accepting: a name, and a phone number and/or an e-mail address."""

    name: str | None
    phone: str | None
    email: str | None


def _now() -> datetime:
    return datetime.now(UTC)


def parse_time(text: str) -> datetime:
    """``2027-03-01T14:30`` (a browser's ``datetime-local``) as Beijing time; an explicit offset is kept."""
    value = datetime.fromisoformat(text.strip().replace(" ", "T"))
    return value if value.tzinfo is not None else value.replace(tzinfo=BEIJING)


def read_draft(form: dict[str, Any], *, now: datetime | None = None) -> Draft:
    """The invitation form, checked: every problem named next to its field at once."""
    now = now or _now()
    errors: dict[str, str] = {}
    message = str(form.get("message") or "").strip()
    if not message:
        errors["message"] = "write a message to the talent"
    elif len(message) > MESSAGE_MAX_CHARS:
        errors["message"] = f"the message is over the limit of {MESSAGE_MAX_CHARS} characters ({len(message)})"
    mode = str(form.get("mode") or "")
    place = str(form.get("place") or "").strip()
    if mode not in MODES:
        errors["mode"] = "choose on site or video"
    if len(place) > PLACE_MAX_CHARS:
        errors["place"] = f"over the limit of {PLACE_MAX_CHARS} characters"
    elif mode == "onsite" and not place:
        errors["place"] = "give the address of an on-site interview"
    times: list[datetime] = []
    for name in TIME_FIELDS:
        text = str(form.get(name) or "").strip()
        if not text:
            continue
        try:
            when = parse_time(text)
        except ValueError:
            errors[name] = "enter a date and time, e.g. 2027-03-01 14:30"
            continue
        if when <= now:
            errors[name] = "this time has passed; propose a time in the future"
        elif when > now + LATEST_AHEAD:
            errors[name] = "propose a time within the next 12 months"
        elif when in times:
            errors[name] = "the same time is proposed twice"
        else:
            times.append(when)
    if not times and not any(name in errors for name in TIME_FIELDS):
        errors["time_1"] = "propose at least one interview time"
    if errors:
        raise InvitationFormError(errors)
    return Draft(message=message, mode=mode, place=place, times=tuple(sorted(times)))


class InvitationService:
    """The released phone and e-mail are stored encrypted with the contact key profiles uses (``cipher``)."""

    def __init__(self, *, session_factory: sessionmaker[Session], cipher: ContactCipher,
                 notify: Notify = raise_notification) -> None:
        self._sessions = session_factory
        self._cipher = cipher
        self._notify = notify

    def contact(self, invitation: Invitation) -> Contact | None:
        """What the seeker released, decrypted: for the inviting enterprise and the seeker's export only."""
        if invitation.status != "accepted":
            return None
        return Contact(name=invitation.contact_name, phone=self._cipher.decrypt(invitation.contact_phone),
                       email=self._cipher.decrypt(invitation.contact_email))

    def encrypt_stored_contacts(self) -> int:
        """Encrypt the contacts stored in clear before releases were encrypted (portal_0003 and earlier); run
        at start, as the key is the service's, not the migration's. Returns how many invitations it changed."""
        with transaction(self._sessions) as session:
            rows = repository.invitations_with_clear_contact(session, prefix=PREFIX)
            for row in rows:
                if row.contact_phone is not None and not row.contact_phone.startswith(PREFIX):
                    row.contact_phone = self._cipher.encrypt(row.contact_phone)
                if row.contact_email is not None and not row.contact_email.startswith(PREFIX):
                    row.contact_email = self._cipher.encrypt(row.contact_email)
        return len(rows)

    def _notified(self, invitation: Invitation, event: Event) -> Invitation:
        try:
            self._notify(invitation, event)
        except Exception:  # the change is committed: a failed notification must not fail the answer
            log.exception("notification of invitation %s %s failed", invitation.id, event)
        return invitation

    # the enterprise ----------------------------------------------------------------------------------------
    def send(self, *, enterprise: Account, opportunity_id: int, opportunity_title: str, talent_id: int,
             talent_name: str, draft: Draft) -> Invitation:
        """Store a new invitation; a live one (sent or accepted) for this opportunity and talent is a 409."""
        if enterprise.kind != "enterprise" or enterprise.status != "active":
            raise ForbiddenError("only approved enterprise accounts invite talents")
        now = _now()
        times = [*draft.times, None, None][:MAX_TIMES]
        duplicate = ConflictError(f"{talent_name} has already been invited for this opportunity; see your "
                                  "invitations", field="talent_id")
        try:
            with transaction(self._sessions) as session:
                if repository.live_invitation(session, opportunity_id=opportunity_id,
                                              talent_id=talent_id) is not None:
                    raise duplicate
                invitation = Invitation(
                    enterprise_account_id=enterprise.id, organization=enterprise.organization or "",
                    opportunity_id=opportunity_id, opportunity_title=opportunity_title[:200], talent_id=talent_id,
                    talent_name=talent_name[:60], message=draft.message, mode=draft.mode, place=draft.place,
                    time_1=times[0], time_2=times[1], time_3=times[2], status="sent", live=True,
                    decline_reason="", created_at=now)
                repository.add(session, invitation)
        except IntegrityError as exc:  # the same invitation sent twice at once: the unique key decided
            raise duplicate from exc
        return self._notified(invitation, "sent")

    def sent_by(self, account_id: int, *, opportunity_id: int | None = None) -> list[Invitation]:
        with self._sessions() as session:
            return list(repository.invitations_sent(session, account_id, opportunity_id=opportunity_id))

    def withdraw(self, invitation_id: int, *, account_id: int) -> Invitation:
        """Take back an invitation the talent has not answered."""
        with transaction(self._sessions) as session:
            invitation = repository.invitation(session, invitation_id, lock=True)
            if invitation is None or invitation.enterprise_account_id != account_id:
                raise NotFoundError(f"invitation {invitation_id} not found")
            _require_unanswered(invitation)
            invitation.status, invitation.live, invitation.answered_at = "withdrawn", None, _now()
        return self._notified(invitation, "withdrawn")

    # the seeker --------------------------------------------------------------------------------------------
    def received_by(self, talent_id: int | None) -> list[Invitation]:
        if talent_id is None:
            return []
        with self._sessions() as session:
            return list(repository.invitations_received(session, talent_id))

    def unanswered(self, talent_id: int | None) -> int:
        if talent_id is None:
            return 0
        with self._sessions() as session:
            return repository.unanswered_count(session, talent_id)

    def received(self, invitation_id: int, *, talent_id: int | None) -> Invitation:
        """One invitation addressed to this talent; anyone else's reads as unknown (404)."""
        with self._sessions() as session:
            invitation = repository.invitation(session, invitation_id)
        if invitation is None or talent_id is None or invitation.talent_id != talent_id:
            raise NotFoundError(f"invitation {invitation_id} not found")
        return invitation

    def accept(self, invitation_id: int, *, talent_id: int | None, choice: str, contact: Contact) -> Invitation:
        """Accept at one of the proposed times, releasing ``contact`` to the inviting enterprise."""
        errors: dict[str, str] = {}
        if not (contact.phone or contact.email):
            errors["release"] = "release at least a phone number or an e-mail address, or decline instead"
        with transaction(self._sessions) as session:
            invitation = self._addressed(session, invitation_id, talent_id)
            _require_unanswered(invitation)
            times = invitation.times
            chosen = times[int(choice) - 1] if choice.isdigit() and 1 <= int(choice) <= len(times) else None
            if chosen is None:
                errors["time"] = "choose one of the proposed times"
            elif chosen <= _now():
                errors["time"] = "this time has passed; choose a later one or decline"
            if errors:
                raise InvitationFormError(errors)
            invitation.status, invitation.chosen_time, invitation.answered_at = "accepted", chosen, _now()
            invitation.contact_name = contact.name
            invitation.contact_phone = self._cipher.encrypt(contact.phone)
            invitation.contact_email = self._cipher.encrypt(contact.email)
        return self._notified(invitation, "accepted")

    def decline(self, invitation_id: int, *, talent_id: int | None, reason: str) -> Invitation:
        reason = reason.strip()
        if len(reason) > REASON_MAX_CHARS:
            raise InvitationFormError({"reason": f"over the limit of {REASON_MAX_CHARS} characters ({len(reason)})"})
        with transaction(self._sessions) as session:
            invitation = self._addressed(session, invitation_id, talent_id)
            _require_unanswered(invitation)
            invitation.status, invitation.live, invitation.answered_at = "declined", None, _now()
            invitation.decline_reason = reason
        return self._notified(invitation, "declined")

    def _addressed(self, session: Session, invitation_id: int, talent_id: int | None) -> Invitation:
        invitation = repository.invitation(session, invitation_id, lock=True)
        if invitation is None or talent_id is None or invitation.talent_id != talent_id:
            raise NotFoundError(f"invitation {invitation_id} not found")
        return invitation

    def export(self, talent_id: int | None) -> list[dict[str, Any]]:
        """The invitations addressed to a seeker, for their data export (PIPL)."""
        return [{"id": i.id, "organization": i.organization, "opportunity_id": i.opportunity_id,
                 "opportunity_title": i.opportunity_title, "message": i.message, "mode": i.mode, "place": i.place,
                 "proposed_times": [t.isoformat() for t in i.times], "status": i.status,
                 "chosen_time": i.chosen_time.isoformat() if i.chosen_time else None,
                 "decline_reason": i.decline_reason,
                 "released_contact": asdict(released) if (released := self.contact(i)) is not None else None,
                 "created_at": i.created_at.isoformat(),
                 "answered_at": i.answered_at.isoformat() if i.answered_at else None}
                for i in self.received_by(talent_id)]


def _require_unanswered(invitation: Invitation) -> None:
    if invitation.status != "sent":
        raise ConflictError(f"this invitation was {invitation.status} already", field="status")
