"""What the portal's scripted commands share: exit 2 on a usage error."""

from __future__ import annotations

import sys
from typing import NoReturn

from django.core.management.base import BaseCommand

USAGE_ERROR = 2


class PortalCommand(BaseCommand):
    def usage_error(self, message: str) -> NoReturn:
        """Say what is wrong on stderr and exit 2 (not 1, which means bad content)."""
        self.stderr.write(message)
        sys.exit(USAGE_ERROR)
