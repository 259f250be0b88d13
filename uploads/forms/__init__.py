"""The portal's forms, one module per area; every name is importable from
``uploads.forms`` as before.

- ``files``: the upload, the sheet of a workbook, cells fixed in the browser, a
  plan-item mapping file.
- ``review``: the operators' send again, resolve, cancel, bulk and queue filter.
- ``entry``: the entry grid and its one-time token.
- ``teams``: a new team, members and roles, plan items, API tokens.
"""

from __future__ import annotations

from uploads.forms.entry import (
    STATUS_CHOICES,
    BaseEntryFormSet,
    EntryRowForm,
    EntryTokenForm,
    entry_formset,
)
from uploads.forms.files import (
    UPLOAD_ACCEPT,
    FixRowsForm,
    MappingFileForm,
    SheetChoiceForm,
    UploadFileForm,
)
from uploads.forms.review import (
    NOTE_REQUIRED,
    OUTCOME_REQUIRED,
    REASON_REQUIRED,
    BulkReviewForm,
    CancelForm,
    ResolveForm,
    ReviewFilterForm,
    SendAgainForm,
)
from uploads.forms.teams import (
    ItemActiveForm,
    MemberAddForm,
    MemberRoleForm,
    TeamCreateForm,
    TokenCreateForm,
)

__all__ = [
    "NOTE_REQUIRED",
    "OUTCOME_REQUIRED",
    "REASON_REQUIRED",
    "STATUS_CHOICES",
    "UPLOAD_ACCEPT",
    "BaseEntryFormSet",
    "BulkReviewForm",
    "CancelForm",
    "EntryRowForm",
    "EntryTokenForm",
    "FixRowsForm",
    "ItemActiveForm",
    "MappingFileForm",
    "MemberAddForm",
    "MemberRoleForm",
    "ResolveForm",
    "ReviewFilterForm",
    "SendAgainForm",
    "SheetChoiceForm",
    "TeamCreateForm",
    "TokenCreateForm",
    "UploadFileForm",
    "entry_formset",
]
