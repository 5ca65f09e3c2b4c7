"""Import of a 会员花名册 (.xlsx, .xls, .ods or .csv).

- files.py: the limits, the column layout and its header aliases, `check_upload`, reading rows
  (`read_roster`, python-calamine through union_office.sheets, or the csv module);
- widgets.py: one widget per column (a cell in, a value or a Chinese error out);
- rows.py: `RosterCheck`, every row checked in memory, batch by batch, and written by a commit;
- services.py: the selectors, the services below and the template download.

The flow (docs/roster-import-export.md, "Import"):

1. Upload: `check_upload` refuses a wrong, forged, oversized or dangerous file before anything is
   stored; `roster_import_create` stores the file and queues the check.
2. Check (Celery): `roster_import_validate` reads and checks every row and stores the counts and
   the row errors as a preview. Nothing is written to the roster.
3. Confirm: `roster_import_confirm` (the button) claims the import; `roster_import_commit`
   (Celery) reads and checks every row again and writes them inside ONE transaction, every row
   or none.

States (RosterImport.status), the one table the code, the buttons and the docs follow:

    QUEUED  --validate task claims-->  RUNNING (committed_at empty)  --> PREVIEW | FAILED
    PREVIEW --confirm (no invalid rows)-->  RUNNING (committed_at set)  --> DONE | PREVIEW | FAILED

A RUNNING import whose committed_at is set has been confirmed and is being written; the commit
service may resume it (a worker that died mid-way rolled everything back).
"""

from .files import (
    COLUMNS,
    HEADER_ALIASES,
    MAX_COMPRESSION_RATIO,
    MAX_ROWS,
    MAX_STORED_ERRORS,
    MAX_UNZIPPED_BYTES,
    MAX_UPLOAD_BYTES,
    RosterImportError,
    RosterTable,
    check_upload,
    read_roster,
)
from .rows import RosterCheck
from .services import (
    import_kind,
    roster_import_commit,
    roster_import_confirm,
    roster_import_create,
    roster_import_get,
    roster_import_list,
    roster_import_requeue,
    roster_import_validate,
    roster_template_xlsx,
)

__all__ = [
    "COLUMNS",
    "HEADER_ALIASES",
    "MAX_COMPRESSION_RATIO",
    "MAX_ROWS",
    "MAX_STORED_ERRORS",
    "MAX_UNZIPPED_BYTES",
    "MAX_UPLOAD_BYTES",
    "RosterCheck",
    "RosterImportError",
    "RosterTable",
    "check_upload",
    "import_kind",
    "read_roster",
    "roster_import_commit",
    "roster_import_confirm",
    "roster_import_create",
    "roster_import_get",
    "roster_import_list",
    "roster_import_requeue",
    "roster_import_validate",
    "roster_template_xlsx",
]
