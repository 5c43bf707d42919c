from django.urls import path

from exams import views

app_name = "exams"

urlpatterns = [
    path("exams/<int:exam_id>/start/", views.start, name="start"),
    path("exams/attempt/<int:attempt_id>/", views.take, name="take"),
    path("exams/attempt/<int:attempt_id>/state.json", views.state, name="state"),
    path("exams/attempt/<int:attempt_id>/answer/", views.answer, name="answer"),
    path("exams/attempt/<int:attempt_id>/leave/", views.leave, name="leave"),
    path("exams/attempt/<int:attempt_id>/submit/", views.submit, name="submit"),
    path("exams/attempt/<int:attempt_id>/result/", views.result, name="result"),
    path("exams/mistakes/", views.mistakes, name="mistakes"),
    path("exams/mistakes/practice/", views.practice, name="practice"),
    path("exams/manage/", views.manage, name="manage"),
    path("exams/manage/banks/new/", views.bank_create, name="bank_create"),
    path("exams/manage/banks/<int:bank_id>/import/", views.bank_import, name="bank_import"),
    path("exams/manage/banks/<int:bank_id>/export/<str:fmt>/", views.bank_export, name="bank_export"),
    path("exams/manage/template.xlsx", views.question_template, name="question_template"),
    path("exams/manage/grading/", views.grading, name="grading"),
    path("exams/manage/exams/<int:exam_id>/statistics/", views.statistics, name="statistics"),
]
