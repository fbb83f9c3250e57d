from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("cases/<str:number>/files/<int:file_id>/", views.material_file, name="material-file"),
    path(
        "my/cases/<str:number>/files/<int:file_id>/remove/",
        views.material_file_remove,
        name="material-file-remove",
    ),
    # Online application: details → materials → review and submit.
    path("apply/bundle/<slug:code>/", views.apply_bundle, name="apply-bundle"),
    path("apply/<slug:code>/", views.apply_matter, name="apply-matter"),
    # My cases.
    path("my/cases/", views.case_list, name="case-list"),
    path("my/cases/<str:number>/", views.case_detail, name="case-detail"),
    path("my/cases/<str:number>/details/", views.case_edit, name="case-edit"),
    path("my/cases/<str:number>/materials/", views.case_materials, name="case-materials"),
    path("my/cases/<str:number>/review/", views.case_review, name="case-review"),
    path("my/cases/<str:number>/resubmit/", views.case_resubmit, name="case-resubmit"),
    path("my/cases/<str:number>/withdraw/", views.case_withdraw, name="case-withdraw"),
    path("my/cases/<str:number>/commitment/", views.case_commit, name="case-commit"),
    path("my/cases/<str:number>/authorise/", views.case_authorise, name="case-authorise"),
    path("my/cases/<str:number>/rating/", views.case_rate, name="case-rate"),
    # Rating on the applicant's device: a signed, expiring link (window screen, receipt QR).
    path("rate/<str:token>/", views.rate_by_link, name="rate-link"),
    # Public tracking.
    path("track/", views.track, name="track"),
]
