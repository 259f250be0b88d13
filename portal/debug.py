"""What a DEBUG error page (and an error email) may show of the settings.

Django's own filter hides settings named like API, KEY, SECRET, PASS or TOKEN. A
database, broker or cache address carries its password inside the URL
(`postgres://portal:pw@db/portal`), under a name that says none of those words.
"""

from __future__ import annotations

import re
from typing import Any

from django.views.debug import SafeExceptionReporterFilter

# user:password@ inside any address, whatever the setting is called.
_CREDENTIALS_IN_URL = re.compile(r"://[^/@\s]*:[^/@\s]*@")


class PortalExceptionReporterFilter(SafeExceptionReporterFilter):
    """Also hides every URL, DSN, broker and cache location (by name), and any
    value holding `user:password@` (whatever its name)."""

    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE"
        "|URL|URI|DSN|BROKER|LOCATION",
        flags=re.IGNORECASE,
    )

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        # type(), not isinstance(): a lazy object is left alone, not evaluated.
        if type(value) is str and _CREDENTIALS_IN_URL.search(value):
            return self.cleansed_substitute
        return super().cleanse_setting(key, value)
