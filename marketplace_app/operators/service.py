"""Operator profiles."""

from __future__ import annotations

import re

from sqlmodel import Session

from marketplace_app.catalogue.service import active_skill_names
from marketplace_app.core.errors import ValidationFailed
from marketplace_app.core.ids import new_id
from marketplace_app.operators.models import KycStatus, OperatorProfile

_COUNTRY = re.compile(r"[A-Z]{2}")
_LANGUAGE = re.compile(r"[a-z]{2}")


def create_profile(session: Session, *, user_id: str, display_name: str, skills: list[str] | None = None,
                   kyc_status: KycStatus = KycStatus.not_started, available: bool = False) -> OperatorProfile:
    """Create the operator profile that goes with a new operator account."""
    profile = OperatorProfile(user_id=user_id, public_id=new_id("ptx"), display_name=display_name,
                              skills=skills or [], kyc_status=kyc_status, available=available)
    session.add(profile)
    session.flush()
    return profile


def get_profile(session: Session, *, user_id: str) -> OperatorProfile:
    """Return the operator profile of `user_id`."""
    return session.get_one(OperatorProfile, user_id)


def update_profile(session: Session, *, user_id: str, changes: dict[str, object]) -> OperatorProfile:
    """Apply profile changes (display name, skills, languages, country, availability).

    Raises:
        ValidationFailed: Unknown skills, bad language or country codes.
    """
    profile = get_profile(session, user_id=user_id)
    if "skills" in changes:
        profile.skills = _known_skills(session, changes["skills"])
    if "languages" in changes:
        profile.languages = _languages(changes["languages"])
    if "country" in changes:
        country = changes["country"]
        if country is not None and not _COUNTRY.fullmatch(str(country)):
            raise ValidationFailed("country must be an ISO 3166-1 alpha-2 code such as ES")
        profile.country = country
    for field in ("display_name", "available"):
        if field in changes:
            if changes[field] is None:
                raise ValidationFailed(f"{field} cannot be null")
            setattr(profile, field, changes[field])
    session.flush()
    return profile


def _known_skills(session: Session, skills: object) -> list[str]:
    known = active_skill_names(session)
    chosen = sorted(set(skills or []))
    unknown = [skill for skill in chosen if skill not in known]
    if unknown:
        raise ValidationFailed(f"Unknown skills: {', '.join(unknown)}; choose from: {', '.join(sorted(known))}")
    return chosen


def _languages(languages: object) -> list[str]:
    chosen = sorted(set(languages or []))
    if len(chosen) > 10 or any(not _LANGUAGE.fullmatch(code) for code in chosen):
        raise ValidationFailed("languages must be up to 10 ISO 639-1 codes such as en, es")
    return chosen
