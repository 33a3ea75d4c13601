"""Who acts and with which role: the vocabulary every layer above ``kit`` shares.

``Role`` and ``DepartmentKind`` (docs/legal.md §1-2), ``Principal`` (the caller: officer, token, citizen, system) and
the need-to-know table (``access``). They sit below ``org`` and ``auth`` because the audit log, the templates and
every access gate name them, while the tables that hold officers (``org``) and the logins that produce a Principal
(``auth``) depend on them — not the other way round.
"""
