"""A team's plan-item mapping file: External ID, Name, Has Metric, a header optional.

Read whole or not at all: every problem is named by row and column, so nothing is
imported from a file that is partly wrong. The External IDs follow the rules of an
upload (``cells.id_problem``), since each one must go into the team's template and
come back, and AchieveIt must take it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from uploads.csvformat.cells import id_problem
from uploads.wording.common import read_yes_no

MAPPING_COLUMNS = "External ID, Name, Has Metric"


@dataclass(frozen=True)
class MappingRow:
    external_id: str
    name: str
    has_metric: bool
    # The row of the file it came from (0 when it came from elsewhere).
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class MappingProblem:
    """One reason a mapping cannot be imported, where it is and what to do."""

    line: int  # 0 when the items did not come from a file
    column: str  # "" when it is about the whole row
    message: str

    def __str__(self) -> str:
        if not self.line:
            return self.message
        where = f"Row {self.line}, {self.column}" if self.column else f"Row {self.line}"
        return f"{where}: {self.message}"


class MappingUnreadable(ValueError):
    """The file is no CSV text at all; the message says how to save it."""


class MappingInvalid(ValueError):
    """Rows of the file cannot be imported; ``problems`` names each one."""

    def __init__(self, problems: list[MappingProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))


def read_mapping(data: bytes) -> list[MappingRow]:
    """Read a mapping CSV (External ID, Name, Has Metric; a header row optional).

    Raises ``MappingUnreadable`` for bytes that are not UTF-8 CSV text, and
    ``MappingInvalid`` listing every problem by row and column.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MappingUnreadable(
            "The file is not UTF-8 text: save it as CSV UTF-8."
        ) from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise MappingUnreadable(
            f"The file is not a readable CSV ({error}): save it as CSV UTF-8."
        ) from None
    first_line = 1
    if rows and rows[0] and rows[0][0].strip().lower() == "external id":
        rows, first_line = rows[1:], 2
    items: list[MappingRow] = []
    problems: list[MappingProblem] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=first_line):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if len(cells) != 3:
            problems.append(
                MappingProblem(
                    line,
                    "",
                    f"expected 3 columns ({MAPPING_COLUMNS}), found {len(cells)}.",
                )
            )
            continue
        external_id, name, has_metric_text = cells
        has_metric = read_yes_no(has_metric_text)
        if has_metric is None:
            problems.append(
                MappingProblem(
                    line,
                    "Has Metric",
                    f"'{has_metric_text}' is not yes/no, true/false or 1/0.",
                )
            )
            continue
        if not external_id:
            problems.append(
                MappingProblem(
                    line,
                    "External ID",
                    "it is empty. Write the plan item's External ID as AchieveIt"
                    " has it, or delete the row.",
                )
            )
            continue
        problem = id_problem_at(external_id, line)
        if problem is not None:
            problems.append(problem)
            continue
        if external_id in seen:
            problems.append(
                MappingProblem(
                    line,
                    "External ID",
                    f"'{external_id}' is already on row {seen[external_id]}; keep "
                    "one of the two.",
                )
            )
            continue
        seen[external_id] = line
        items.append(MappingRow(external_id, name, has_metric, line))
    if problems:
        raise MappingInvalid(problems)
    return items


def id_problem_at(external_id: str, line: int) -> MappingProblem | None:
    """The upload's rules for an External ID (``cells.id_problem``) as a problem of
    row ``line``: an ID the mapping takes must be one an upload, the team's
    template and AchieveIt can carry as it is."""
    problem = id_problem(external_id.strip())
    if problem is not None:
        return MappingProblem(line, "External ID", problem.detail)
    if external_id != external_id.strip():
        return MappingProblem(
            line, "External ID", f"{external_id!r} has spaces around it: remove them."
        )
    return None


def id_unavailable(external_id: str, line: int) -> MappingProblem:
    """An External ID this team's mapping cannot take because it is already in
    use in the organization. Worded without saying by whom, the same wherever
    the portal says it (an import, a sync from AchieveIt), as an upload's unknown
    ID is: a team must not learn which IDs other teams have."""
    return MappingProblem(line, "External ID", unavailable_message(external_id, line))


def unavailable_message(external_id: str, line: int = 0) -> str:
    """The sentence of ``id_unavailable``: "External ID" named when no row is."""
    named = "" if line else "External ID "
    return (
        f"{named}{external_id!r} cannot be added to this team's plan items. Check "
        "the External ID; if it is right, ask an operator."
    )
