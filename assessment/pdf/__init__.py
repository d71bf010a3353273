"""PDF building blocks shared by certificates and reports: the bundled Chinese font and its
glyph checks (fonts), page layout helpers (layout) and deterministic PDF files (pdffile).
Imports reportlab and standards.problems (the one problem type)."""
