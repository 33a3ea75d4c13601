"""Dashboards and exports of the service index (read-only): the province and commune views, Excel files."""
