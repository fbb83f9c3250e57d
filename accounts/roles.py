"""Roles are Django groups with these names."""

CITIZEN = "citizen"
CLERK = "clerk"
APPROVER = "approver"
SUPERVISOR = "supervisor"
CATALOG_ADMIN = "catalog_admin"

ALL_ROLES = (CITIZEN, CLERK, APPROVER, SUPERVISOR, CATALOG_ADMIN)
STAFF_ROLES = (CLERK, APPROVER, SUPERVISOR, CATALOG_ADMIN)
