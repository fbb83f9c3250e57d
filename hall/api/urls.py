"""API v1 routes. Each app contributes its views; the contract is in ARCHITECTURE.md."""


urlpatterns: list = []
