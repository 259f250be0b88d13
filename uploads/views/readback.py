"""The review pages' part of the read-back: when AchieveIt's plans show none of a
needs-review upload's updates (uploads/services/readback.py), sending it again
is safe and takes one confirmation instead of the typed upload number."""

from __future__ import annotations

from typing import Any

from django import forms

from uploads import forms as review_forms
from uploads.models import Upload


def readback_says_safe(upload: Upload) -> bool:
    """The read-back of the upload's last POST found none of its updates."""
    return (
        upload.state == Upload.State.NEEDS_REVIEW
        and upload.readback_state == Upload.ReadbackState.NOT_SEEN
        and upload.readback_post_at is not None
        and upload.readback_post_at == upload.submitting_since
    )


class SendAgainForm(review_forms.SendAgainForm):
    """uploads.forms.SendAgainForm, with one tick instead of the typed number
    when the read-back found none of the updates in AchieveIt."""

    def __init__(self, *args: Any, upload: Upload, **kwargs: Any) -> None:
        super().__init__(*args, upload=upload, **kwargs)
        self.readback_safe = readback_says_safe(upload)
        if self.readback_safe:
            self.fields.pop("checked", None)
            self.fields.pop("upload_number", None)
            self.fields["confirm"] = forms.BooleanField(
                label=(
                    "AchieveIt does not show these updates: send upload "
                    f"#{upload.number} again"
                ),
                error_messages={"required": "Tick the box to send it again."},
            )
            self.order_fields(["confirm", "note"])
