"""Transport: how bytes reach a card (PC/SC reader or in-process virtual card)."""

from .base import Transport

__all__ = ["Transport"]
