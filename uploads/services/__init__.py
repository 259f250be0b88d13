"""Every write the portal makes, one module per sub-domain (HackSoft's services
layer). Views, tasks and commands import the module they call; this package
re-exports nothing, so no import circle runs through it.

- `drafts`: store a file or a form and check it into a draft; confirm, discard,
  expire unsent drafts. `revisions`: a new draft from an old one (rows left out,
  cells fixed in the browser, another sheet). `checks`: how many files are
  checked at once. `column_mappings`: a team's saved mappings of foreign columns.
- `delivery`: submit, poll, the sweep and the email about a problem.
  `readback`: reading AchieveIt back to settle what an answer left unknown.
- `review`: staff send again, resolve and cancel.
- `teams`: teams, users, memberships and invitations. `mapping`: the plan-item
  mapping (import, preview, activate). `plans`: AchieveIt plans linked to a team.
  `reminders`: the weekly emails of stale items.
- `api`: the script API's checks and submissions. `tokens`: its tokens.
- `audit`: the append-only history every other module writes to. `archive`:
  finished uploads written out before they are deleted.
- `errors`: `ServiceError`, what a service raises for a person to read.

The state rules live only here (and in `Upload.ALLOWED_TRANSITIONS`).
"""
