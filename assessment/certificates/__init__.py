"""Certificates that anyone can verify: issuing on approval and by hand (issue), the signed record
and its envelope (record, envelope), the issuer key (keys, issuer), the registry of issued
certificates (registry, records), the PDF (pdf) and verification of a file or a number (verify,
lookup). Imports submissions, accounts, storage, pdf and reports."""
