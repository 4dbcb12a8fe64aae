"""Who may see and do what on the dashboard.

Users and roles come from the config (``dashboard.users``) with argon2id password hashes
(argon2-cffi: the current OWASP recommendation, and a maintained library rather than
hand-rolled crypto). Roles: a viewer reads; a responder also acts on alerts; an admin
also sees the pipeline runs and quarantine. OIDC through ``st.login`` can replace
passwords (``dashboard.oidc``); its users are viewers unless ``dashboard.oidc_roles``
gives their e-mail another role.
"""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from flows.config import Dashboard

_hasher = PasswordHasher()
# Verified when a name is unknown too, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")

CAN_ACT = {"responder", "admin"}
CAN_SEE_RUNS = {"admin"}


@dataclass(frozen=True)
class User:
    name: str
    role: str

    @property
    def can_act(self) -> bool:
        return self.role in CAN_ACT

    @property
    def can_see_runs(self) -> bool:
        return self.role in CAN_SEE_RUNS


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise ValueError("use a password of at least 8 characters")
    return _hasher.hash(password)


def authenticate(settings: Dashboard, name: str, password: str) -> User | None:
    user = next((u for u in settings.users if u.name == name), None)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return User(user.name, user.role) if user else None


def oidc_user(settings: Dashboard, email: str) -> User:
    return User(email, settings.oidc_roles.get(email, "viewer"))
