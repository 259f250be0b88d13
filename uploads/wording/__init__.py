"""What the portal says, in one place: each module words one subject.

- `common`: counts ("4 updates"), yes/no words, "a viewer"/"an uploader", the one
  message for a body that is too large (413), the link to an upload's page.
- `history`: each audit event's sentence and description.
- `uploads`: each upload state's summary and next step, with its colour and icon.
- `api`: the script API's answers (status, JSON, headers) to both calls.
- `emails`: the context and rendering of each email (the texts are templates in
  templates/emails/).

Models, selectors and services return data; these modules turn it into words.
"""
