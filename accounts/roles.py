"""Roles are Django groups with these names."""

CITIZEN = "citizen"
CLERK = "clerk"
APPROVER = "approver"
SUPERVISOR = "supervisor"
CATALOG_ADMIN = "catalog_admin"
# A helper (代办员) files and carries cases for residents who ask, at a village or community
# point, at a hall or on a home visit.
HELPER = "helper"

ALL_ROLES = (CITIZEN, CLERK, APPROVER, SUPERVISOR, CATALOG_ADMIN, HELPER)
STAFF_ROLES = (CLERK, APPROVER, SUPERVISOR, CATALOG_ADMIN, HELPER)
