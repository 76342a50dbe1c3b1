"""Operator profiles."""

from __future__ import annotations

from sqlmodel import Session

from marketplace_app.core.ids import new_id
from marketplace_app.operators.models import KycStatus, OperatorProfile


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
