from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("cases/<str:number>/files/<int:file_id>/", views.material_file, name="material-file"),
]
