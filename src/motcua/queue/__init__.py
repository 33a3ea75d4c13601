"""The centre's front desk (issue 18, first slice): counters and the fields they serve, queue tickets taken at the
kiosk with a daily gap-free number per field, and the counter panel that calls them (priority groups first)."""
