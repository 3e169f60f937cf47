"""Page routes: login, dashboard, master data, work orders."""
