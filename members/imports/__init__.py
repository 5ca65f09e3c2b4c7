"""Import of a 会员花名册 (.xlsx or .csv).

- files.py: the limits, the column layout, `check_upload`, reading rows (`read_roster`);
- widgets.py: one widget per column (a cell in, a value or a Chinese error out);
- resource.py: `MemberResource` (django-import-export: its fields, widgets and import_data(), with
  a row loop of its own) and its instance loader;
- plan.py: what a dry run found to write, kept for the commit while nothing changes, and the
  commit's check again that writes the plan meanwhile when only the roster changed;
- services.py: the selectors, the services below and the template download.

The flow (docs/roster-import-export.md, "Import"):

1. Upload: `check_upload` refuses a wrong, forged, oversized or dangerous file in milliseconds,
   before anything is stored; `roster_import_create` stores the file and queues the check.
2. Check (Celery): `roster_import_validate` reads every row through `MemberResource` as a dry run
   (django-import-export) and stores the counts and the row errors as a preview. Nothing is written
   to the roster; the rows it would write are kept next to the upload (plan.py).
3. Confirm: `roster_import_confirm` (the button) claims the import; `roster_import_commit`
   (Celery) writes inside ONE transaction, every row or none: the dry run's plan if neither the
   file nor anything its checks read of the roster changed since, else the rows checked again
   (on PostgreSQL, when only the roster changed, a second thread writes the plan's rows while
   every row is checked again; they are kept only if the check finds exactly those rows).

Speed (100,000 rows on the 2-core development machine, bench/run_all.py, with other test suites
running: the dry run 6 s for a .csv, 9-10 s for an .xlsx; the commit from the dry run's plan 7-9 s,
most of it PostgreSQL's; a commit after a roster change, every row checked again, 9.5-12 s;
docs/performance.md): no query per row. The file's existing members are fetched by keyed hash in
one query for the whole file, the target subtree's units and departments in one query each; new
rows are written with COPY and changed ones with one UPDATE … FROM on PostgreSQL; the checks
Member.full_clean() would make (its duplicate check is a query) are made in memory, by the
resource's own row loop, the widgets of the repeating columns once per distinct cell. The .xlsx is
read by fastsheet.py (plain sheet XML) or with expat: openpyxl's read-only mode needed 14-19 s for
100,000 rows here.

States (RosterImport.status), the one table the code, the buttons and the docs follow:

    QUEUED  --validate task claims-->  RUNNING (committed_at empty)  --> PREVIEW | FAILED
    PREVIEW --confirm (no invalid rows)-->  RUNNING (committed_at set)  --> DONE | PREVIEW | FAILED

A RUNNING import whose committed_at is set has been confirmed and is being written; the commit
service may resume it (a worker that died mid-way rolled everything back).
"""

from .files import (
    COLUMNS,
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
from .resource import MemberHashLoader, MemberResource
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
    "MAX_COMPRESSION_RATIO",
    "MAX_ROWS",
    "MAX_STORED_ERRORS",
    "MAX_UNZIPPED_BYTES",
    "MAX_UPLOAD_BYTES",
    "MemberHashLoader",
    "MemberResource",
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
