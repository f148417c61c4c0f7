"""In-app notices of interview invitations: the seeker hears of a new one and of one taken back.

Invitations are the portal's own writes, so their notices are stored at the moment of the change (after its
commit) rather than computed from a topic; they go through the same store (one per invitation and event)
and the same sender as the notices the consumer computes."""

from __future__ import annotations

from services.portal.invitations import Event, Notify, raise_notification
from services.portal.models import Invitation
from services.portal.notifier.planning import Notice
from services.portal.notifier.senders import Sender
from services.portal.notifier.service import NotificationService

SEEKER_EVENTS: frozenset[Event] = frozenset({"sent", "withdrawn"})  # answers are the seeker's own doing


def invitation_notices(service: NotificationService, sender: Sender | None) -> Notify:
    """The invitations' notify hook: a notice for the invited seeker, if they have an account here."""

    def notify(invitation: Invitation, event: Event) -> None:
        raise_notification(invitation, event)
        if event not in SEEKER_EVENTS:
            return
        seeker = service.seekers_of_profiles([invitation.talent_id]).get(invitation.talent_id)
        if seeker is None:  # a talent without an account on the web app reads it once they register
            return
        notice = Notice(account_id=seeker.account_id, kind="invitation" if event == "sent" else "invitation_withdrawn",
                        params={"organization": invitation.organization, "title": invitation.opportunity_title},
                        link=f"/seeker/invitations/{invitation.id}", source_key=f"invitation:{invitation.id}:{event}")
        for stored in service.store([notice]):
            if sender is not None:
                sender.send(stored)

    return notify
