"""Offline questionnaires: Excel templates out, filled workbooks in, submissions exported.

- `build_template(standard, profile, industry, lang) -> bytes` — the blank questionnaire;
- `read_workbook(data, ...) -> WorkbookImport` — a filled workbook read into the canonical answers
  dict (and activity data), every problem located by sheet, row and item;
- `import_into_submission(actor, db, submission_id, data, ...)` — the same, saved into a draft
  through the workflow service (roles, tenant isolation, versions, audit log);
- `export_answers(...)` / `export_submission(actor, db, submission_id)` — answers, results, points,
  gates and receipts as a workbook for evaluators (itself importable again).
"""

from assessment.excel.template import TemplateError, build_template

__all__ = ["TemplateError", "build_template"]
