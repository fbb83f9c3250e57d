"""Portal URLs of documents: include at the root (``path("", include("documents.urls"))``)."""

from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path(
        "cases/<str:number>/documents/<slug:kind>.pdf",
        views.document_download,
        name="document-download",
    ),
    path("matters/<slug:code>/guide.pdf", views.matter_guide_pdf, name="matter-guide"),
    path("verify/<str:code>/", views.licence_verify_page, name="licence-verify"),
    path("my/licences/", views.my_licences, name="licence-list"),
]
