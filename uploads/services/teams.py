"""Teams and the people in them: users, memberships and invitations.

A team's External ID mapping (its plan items) is services/mapping.py. The
management commands and the team pages (/teams/) call the same services.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify

from uploads.models import (
    AuditEvent,
    Membership,
    Team,
    validate_no_control_characters,
)
from uploads.permissions import visible_teams
from uploads.services.audit import audit
from uploads.services.errors import ServiceError
from uploads.wording import emails

logger = logging.getLogger(__name__)

Action = AuditEvent.Action


def team_create(
    *, slug: str, name: str = "", actor: AbstractBaseUser | None = None
) -> tuple[Team, bool]:
    """Create a team, or rename an existing one when a new name is given.

    Returns the team and whether it was created. Raises ServiceError for a slug
    that is not lowercase letters, digits and hyphens, or a name holding a line
    break or another control character.
    """
    if slugify(slug) != slug:
        raise ServiceError(
            f"'{slug}' is not a valid team slug: use lowercase letters, digits "
            f"and hyphens, e.g. '{slugify(slug) or 'finance'}'."
        )
    try:
        validate_no_control_characters(name)
    except ValidationError as error:
        raise ServiceError(
            f"That team name cannot be used. {error.messages[0]}"
        ) from None
    with transaction.atomic():
        team, created = Team.objects.get_or_create(
            slug=slug, defaults={"name": name or slug.replace("-", " ").title()}
        )
        if not created and name and team.name != name:
            team.name = name
            team.save(update_fields=["name"])
        if created:
            audit(action=Action.TEAM_CREATED, team=team, actor=actor, slug=slug)
    return team, created


def user_create(
    *,
    username: str,
    email: str,
    staff: bool = False,
    actor: AbstractBaseUser | None = None,
) -> AbstractBaseUser:
    """Create a user with no usable password (they set one through a link).

    Raises ServiceError when the username is taken.
    """
    user_model = get_user_model()
    if user_model.objects.filter(username=username).exists():
        raise ServiceError(f"There is already a user named '{username}'.")
    with transaction.atomic():
        user = user_model.objects.create_user(username, email=email, password=None)
        if staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        audit(
            action=Action.USER_CREATED,
            actor=actor,
            username=username,
            staff=staff,
        )
    return user


def membership_set(
    *, user: AbstractBaseUser, team: Team, role: str, actor: AbstractBaseUser | None
) -> tuple[Membership, bool]:
    """Give a user a role in a team, or change the role they have.

    Returns the membership and whether it is new; only a change is audited.
    Raises ServiceError for a role that does not exist, or when a manager who is
    not staff would lower their own role (another manager or an operator must).
    """
    if role not in Membership.Role.values:
        raise ServiceError(
            f"'{role}' is not a role: use one of {', '.join(Membership.Role.values)}."
        )
    if _is_own(user, actor) and role != Membership.Role.MANAGER:
        raise ServiceError(
            "You cannot lower your own role: ask another manager or an operator."
        )
    with transaction.atomic():
        membership, created = Membership.objects.select_for_update().get_or_create(
            user=user, team=team, defaults={"role": role}
        )
        if created or membership.role != role:
            membership.role = role
            membership.save(update_fields=["role"])
            audit(
                action=Action.MEMBERSHIP_SET,
                team=team,
                actor=actor,
                username=user.get_username(),
                role=role,
            )
    return membership, created


def membership_remove(
    *, membership: Membership, actor: AbstractBaseUser | None
) -> None:
    """Take a person out of a team (their account stays); audited.

    Raises ServiceError when a manager who is not staff removes themselves: they
    would lock themselves out, so another manager or an operator must do it.
    """
    if _is_own(membership.user, actor):
        raise ServiceError(
            "You cannot remove yourself from the team: ask another manager or an "
            "operator."
        )
    with transaction.atomic():
        membership.delete()
        audit(
            action=Action.MEMBERSHIP_REMOVED,
            team=membership.team,
            actor=actor,
            username=membership.user.get_username(),
            role=membership.role,
        )


def _is_own(user: AbstractBaseUser, actor: AbstractBaseUser | None) -> bool:
    return actor is not None and actor.pk == user.pk and not actor.is_staff


# --- invitations ----------------------------------------------------------------


@dataclass(frozen=True)
class MemberAdded:
    membership: Membership
    created_user: bool  # an unknown email address made a new user
    invited: bool  # an invitation email went out
    # Added by an address a manager gave for someone outside their teams (or no
    # one): told as an invitation, whoever it was.
    by_invitation: bool = False
    address: str = ""  # the address as the manager gave it, when by_invitation


def set_password_link(user: AbstractBaseUser) -> str:
    """A link, valid once for PASSWORD_RESET_TIMEOUT, where the user sets a password
    (Django's password-reset token, so it dies when the password changes)."""
    return settings.PORTAL_BASE_URL + reverse(
        "password_reset_confirm",
        args=[
            urlsafe_base64_encode(force_bytes(user.pk)),
            default_token_generator.make_token(user),
        ],
    )


def invitation_send(
    *,
    user: AbstractBaseUser,
    team: Team | None = None,
    actor: AbstractBaseUser | None = None,
) -> bool:
    """Email the user a link to set their password and log in (someone who has
    a password: that they were added, and where to log in); audited.

    Returns False (and logs why) when the mail server refused it; raises nothing.
    """
    membership = (
        Membership.objects.filter(user=user, team=team).first() if team else None
    )
    email = emails.invitation(
        user=user,
        team=team,
        membership=membership,
        inviter=actor,
        # Someone with a password of their own is told to log in, not sent a
        # link that would replace it.
        link="" if user.has_usable_password() else set_password_link(user),
    )
    try:
        send_mail(email.subject, email.body, None, [user.email])
    except OSError as error:  # smtplib errors are OSErrors
        logger.warning("could not send the invitation to %s: %s", user, error)
        return False
    audit(
        action=Action.USER_INVITED,
        team=team,
        actor=actor,
        username=user.get_username(),
    )
    return True


def member_add(
    *, team: Team, who: str, role: str, actor: AbstractBaseUser | None
) -> MemberAdded:
    """Give a person a role in the team, found by username or email address.

    An email address nobody has yet creates the user (no usable password, their
    username the part before the @) and emails them an invitation; so does adding
    anyone who has never set a password (a lost invitation is sent again).

    A manager (an actor who is not staff) finds by username only people of their
    own teams, and an address outside their teams is answered exactly as an
    unknown one (an invitation, `by_invitation`), so adding people cannot tell a
    manager who has an account. Raises ServiceError for a username not found, an
    invalid address, an address two known users share, or a role that does not
    exist (then no user is created).
    """
    who = who.strip()
    user_model = get_user_model()
    known = _people_known_to(actor)
    user = known.filter(username=who).first()
    if user is None and "@" not in who:
        raise ServiceError(_not_found(who, actor))
    by_invitation = False
    if user is None:
        try:
            validate_email(who)
        except ValidationError:
            raise ServiceError(
                f"'{who}' is not an email address: check it, e.g. 'dana@example.com'."
            ) from None
        matches = list(known.filter(email__iexact=who)[:2])
        if len(matches) > 1:
            raise ServiceError(
                f"More than one user has the address {who}: add the one you mean "
                "by their username."
            )
        user = matches[0] if matches else None
        if user is None and _is_manager(actor):
            # Someone outside the manager's teams, or no one: both are invited.
            by_invitation = True
            user = (
                user_model.objects.filter(email__iexact=who)
                .order_by(F("last_login").desc(nulls_last=True), "pk")
                .first()
            )
    created_user = user is None
    with transaction.atomic():
        if user is None:
            user = user_create(username=_free_username(who), email=who, actor=actor)
        membership, _ = membership_set(user=user, team=team, role=role, actor=actor)
    invited = False
    if by_invitation or (not user.has_usable_password() and user.email):
        invited = invitation_send(user=user, team=team, actor=actor)
    return MemberAdded(
        membership,
        created_user=created_user,
        invited=invited,
        by_invitation=by_invitation,
        address=who if by_invitation else "",
    )


def _is_manager(actor: AbstractBaseUser | None) -> bool:
    """An actor who runs only their own teams (not staff, not a command)."""
    return actor is not None and not actor.is_staff


def _people_known_to(actor: AbstractBaseUser | None) -> QuerySet[AbstractBaseUser]:
    """Whom an actor may find by name: a manager, the people of their own teams
    (they see them in those teams' history anyway); staff and commands, anyone."""
    people = get_user_model().objects.all()
    if not _is_manager(actor):
        return people
    return people.filter(memberships__team__in=visible_teams(actor)).distinct()


def _not_found(who: str, actor: AbstractBaseUser | None) -> str:
    if _is_manager(actor):
        # The same for a username nobody has and one outside the manager's teams.
        return (
            f"No one in your teams is named '{who}'. To add anyone else, enter "
            "their email address: they get an invitation."
        )
    return (
        f"No user named '{who}'. To invite someone new, enter their email "
        "address instead."
    )


def _free_username(email: str) -> str:
    """The part of the address before the @, made unique with a number."""
    base = re.sub(r"[^\w.+-]", "", email.split("@", 1)[0])[:140] or "user"
    taken = set(
        get_user_model()
        .objects.filter(username__startswith=base)
        .values_list("username", flat=True)
    )
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}{number}"
    return candidate
