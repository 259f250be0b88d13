"""Words every subject uses: counts, yes and no, articles, the 413 message, and
the link to an upload's page from outside the portal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from uploads.models import Upload

# The one set of yes/no words: what the portal writes for a boolean, and what it
# reads as one (a mapping file's Has Metric, the API's ?dry_run=).
YES = "Yes"
NO = "No"
TRUE_WORDS = frozenset({"yes", "true", "1", "y"})
FALSE_WORDS = frozenset({"no", "false", "0", "n", ""})


def yes_no(value: object) -> str:
    """A boolean as the portal writes it: "Yes" or "No"."""
    return YES if value else NO


def read_yes_no(text: str) -> bool | None:
    """A yes/no word as people write it (yes/no, true/false, 1/0, y/n, any case,
    empty for no); None when the text is none of them."""
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def count(number: int, singular: str, plural: str = "") -> str:
    """The number with its noun: "1 update", "4 updates", "2 people"."""
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def with_article(noun: str) -> str:
    """A role's name as said of a person: 'a viewer', 'an uploader'."""
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def too_large_message() -> str:
    """The one message for a body over the upload limit (413), for pages, plain
    text and the script API alike."""
    limit = settings.UPLOAD_MAX_BYTES / 1_000_000
    return (
        f"The file is larger than {limit:g} MB, the most one upload may be. "
        "Split the file into smaller files and send each one."
    )


def portal_url(upload: Upload) -> str:
    """The upload's page as a link from outside the portal (an email, a script)."""
    return f"{settings.PORTAL_BASE_URL}{upload.get_absolute_url()}"
