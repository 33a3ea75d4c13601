"""The registry of issued results and the citizen's electronic document store (kho dữ liệu điện tử), issue 17.

Between the index (which reads it) and the dossier (which it reads): ``models`` (IssuedDocument: each result motcua
issued, with its hash and verification code), ``kinds`` (what kind of paper a result or a scan is, which checklist
items it stands for and how long it is valid: data), ``actions`` (the registry's one writer: register and revoke;
the verification tries), ``queries`` (the registry by code and by hash; the citizen's store; what a checklist may
reuse), ``verification`` (a PDF's signatures and the registry, as one answer), ``views`` and ``api`` (/xac-minh).
"""
