"""Offline QuickBooks Online v3 API emulator (see README.md)."""

from .emulator import DEFAULT_REALM, QBOEmulator

__all__ = ["DEFAULT_REALM", "QBOEmulator"]
