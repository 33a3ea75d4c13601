"""The service index of Decision 766/QĐ-TTg (23/6/2022): "Bộ chỉ số chỉ đạo, điều hành và đánh giá chất lượng
phục vụ người dân, doanh nghiệp" (docs/legal.md §7).

Pure modules: ``definitions`` (the metric sets as versioned data), ``judge`` (indicator 2.1 for one dossier in one
period, read off the legal clock) and ``score`` (counters → scorecard). Rollups and rankings that read the
database build on them.
"""
