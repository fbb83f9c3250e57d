"""The clerk desk, mounted at ``/desk/``."""

from django.urls import path

from . import views, views_queue

app_name = "windows"
urlpatterns = [
    path("", views.desk_home, name="desk-home"),
    path("queue/", views_queue.queue_panel, name="queue-panel"),
    path("queue/<slug:action>/", views_queue.queue_action, name="queue-action"),
    path("kiosk/", views_queue.kiosk_register, name="kiosk-register"),
    path("applicant/clear/", views.applicant_clear, name="applicant-clear"),
    path("new/", views.case_new, name="case-new"),
    path("transfers/<int:pk>/receive/", views.transfer_receive, name="transfer-receive"),
    path("cases/<str:number>/", views.case_intake, name="case-intake"),
    path(
        "cases/<str:number>/approve-instant/",
        views.case_approve_instant,
        name="case-approve-instant",
    ),
    path("cases/<str:number>/issue/", views.case_issue, name="case-issue"),
    path("cases/<str:number>/collect/", views.case_collect, name="case-collect"),
    path("cases/<str:number>/ship/", views.case_ship, name="case-ship"),
    path("cases/<str:number>/rating/", views.case_rating, name="case-rating"),
    path(
        "cases/<str:number>/materials/<int:requirement_id>/receive/",
        views.material_receive,
        name="material-receive",
    ),
]

# The hall floor's public pages, mounted at the site root as the "queue" namespace:
# ``path("", include(public_urls))`` in hall/urls.py. ``/kiosk/`` and ``/board/`` are the city
# centre's; ``/kiosk/<hall>/`` and ``/board/<hall>/`` any hall's with a queue.
public_urls = (
    [
        path("kiosk/", views_queue.kiosk, name="kiosk"),
        path("kiosk/tickets/<str:token>/", views_queue.ticket_detail, name="ticket-detail"),
        path("kiosk/<slug:hall>/", views_queue.kiosk, name="hall-kiosk"),
        path("board/", views_queue.board, name="board"),
        path("board/<slug:hall>/", views_queue.board, name="hall-board"),
        path("appointments/", views_queue.appointment_list, name="appointment-list"),
    ],
    "queue",
)
