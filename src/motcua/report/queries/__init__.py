"""The report's page queries over the service index (Decision 766/QĐ-TTg): each page and export gets its data
from one function here, built on ``index`` (periods, rollups, scores) and behind the index's gates.

Who may see what: the ranking of a province's communes is published (the news reports print "2nd of 148"), so
every officer of the province may read it; a commune's details (its dossiers, officers) follow the jurisdiction
rule — province users see every commune, commune users only their own.

Modules: ``periods`` (the period selector and defaults), ``trends`` (month by month, histogram), ``rankings`` (the
province's ranking), ``communes`` (one commune: report, late dossiers, workload), ``dashboards`` (the two
dashboards and their exports), ``snapshots`` (published rankings and their check).
"""
