"""Sealing the JWT signing keys with a key from configuration, so the database never holds
them in the clear.

`DRSO_SECRET_KEY` holds one or more secrets, comma-separated, newest first. Each is stretched
into a Fernet key with HKDF; the newest seals, any of them unseals. Rotating is: put the new
secret first and restart (every key is resealed under it at start-up), then drop the old one.
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MIN_SECRET_LENGTH = 32
_INFO = b"drs-orchestrator signing keys v1"
_PEM_MARK = "-----BEGIN"


class KeyringError(Exception):
    """The configured secret cannot do what is asked (too short, or not the sealing one)."""


def _fernet(secret: str) -> Fernet:
    stretched = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        secret.encode()
    )
    return Fernet(base64.urlsafe_b64encode(stretched))


def split_secrets(value: str) -> list[str]:
    found = [s.strip() for s in value.split(",") if s.strip()]
    if not found:
        raise KeyringError("DRSO_SECRET_KEY is empty")
    short = [i for i, s in enumerate(found, 1) if len(s) < MIN_SECRET_LENGTH]
    if short:
        raise KeyringError(
            f"DRSO_SECRET_KEY: secret {short[0]} is shorter than {MIN_SECRET_LENGTH} characters "
            "(make one with `openssl rand -base64 32`)"
        )
    return found


@dataclass
class Keyring:
    secrets: list[str]

    def __post_init__(self) -> None:
        self._newest = _fernet(self.secrets[0])
        self._any = MultiFernet([_fernet(s) for s in self.secrets])

    def seal(self, plain: bytes) -> str:
        return self._newest.encrypt(plain).decode()

    def unseal(self, sealed: str) -> bytes:
        if sealed.startswith(_PEM_MARK):  # written in the clear before keys were sealed
            return sealed.encode()
        try:
            return self._any.decrypt(sealed.encode())
        except InvalidToken:
            raise KeyringError(
                "The JWT signing keys were sealed with a secret that is not in DRSO_SECRET_KEY "
                "(put the old secret after the new one while rotating)"
            ) from None

    def sealed_with_newest(self, sealed: str) -> bool:
        if sealed.startswith(_PEM_MARK):
            return False
        try:
            self._newest.decrypt(sealed.encode())
        except InvalidToken:
            return False
        return True


def local_secret(data_dir: Path) -> str:
    """A secret kept in a file beside a single-machine (SQLite) database, made on first use
    and readable by its owner only."""
    path = data_dir / "secret.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process of this machine made it first
            return path.read_text().strip()
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
