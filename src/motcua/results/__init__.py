"""Electronic results (kết quả điện tử, Decree 118/2025 Art. 22): templates, drafting, approval, signing, numbering.

The handling officer drafts the result of a dossier from its procedure's template, the leader of the deciding commune
reviews the PDF and signs it (personal signature, then the agency seal), the body's register (sổ văn bản, Decree
30/2020 Art. 15) gives it its number, and the signed PDF is attached to the dossier (``dossier.actions.add_document``)
and registered for public verification (``docstore``). A leader without a signing certificate signs on paper: the
scan is attached marked ``paper``. See docs/results.md.
"""
