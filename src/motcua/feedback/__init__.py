"""Citizens' ratings of dossier handling and feedback cases (phản ánh, kiến nghị — PAKN).

Ratings (Decree 118/2025 Art. 31–33): the applicant rates nine criteria (``criteria``) once per dossier, after the
result reached them, from the public page ``/danh-gia`` (code + last 4 digits, or the signed link the lookup shows),
the JSON API or the citizen portal (``actions.rate_dossier``). A dissatisfied rating opens a feedback case.

Feedback cases: received from ``/phan-anh``, the API or a dissatisfied rating; handled by the commune's centre on the
legal working-day calendar within the docs/legal.md §7 limits (``workflow``); the sender rates the answer once.

Counters for the service index (Decision 766, group 5), in ``queries`` — each one aggregate query over a commune
and a half-open period ``[start, end)`` of aware datetimes:

* ``feedback_counters(session, commune_code, start, end) -> FeedbackCounters(handled, handled_on_time, rated,
  satisfied)`` — cases of the commune *handled* (answered, or refused) in the period: 5.2 = ``handled_on_time`` ÷
  ``handled`` (on time: refused within 2 working days, answered within 15 — counted again from the arrival of
  requested information; an answer given while waiting for the sender is on time); 5.3 = ``satisfied`` ÷
  ``handled`` (the index's definition) or ÷ ``rated`` (the senders who gave a verdict). Both are "6 when there is
  none" in the index.
* ``rating_counters(session, commune_code, start, end) -> RatingCounters(rated, dissatisfied)`` — ratings given in
  the period of dossiers *decided* by the commune (the body whose handling was rated, as for 2.1): 5.4's
  dissatisfied rate = ``dissatisfied`` ÷ ``rated``.
"""
