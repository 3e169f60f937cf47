"""Security services: login throttling, the audit log of who changed what, and the tenant data export."""
