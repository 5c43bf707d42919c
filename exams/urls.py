from django.urls import path

from exams.views import manage, member

app_name = "exams"

urlpatterns = [
    path("exams/<id:exam_id>/start/", member.start, name="start"),
    path("exams/attempt/<id:attempt_id>/", member.take, name="take"),
    path("exams/attempt/<id:attempt_id>/state.json", member.state, name="state"),
    path("exams/attempt/<id:attempt_id>/answer/", member.answer, name="answer"),
    path("exams/attempt/<id:attempt_id>/leave/", member.leave, name="leave"),
    path("exams/attempt/<id:attempt_id>/submit/", member.submit, name="submit"),
    path("exams/attempt/<id:attempt_id>/result/", member.result, name="result"),
    path("exams/mistakes/", member.mistakes, name="mistakes"),
    path("exams/mistakes/practice/", member.practice, name="practice"),
    path("exams/manage/", manage.manage, name="manage"),
    path("exams/manage/banks/new/", manage.bank_create, name="bank_create"),
    path("exams/manage/banks/<id:bank_id>/import/", manage.bank_import, name="bank_import"),
    path("exams/manage/banks/<id:bank_id>/import/<str:token>/", manage.import_preview, name="import_preview"),
    path(
        "exams/manage/banks/<id:bank_id>/import/<str:token>/media/<path:name>",
        manage.import_media,
        name="import_media",
    ),
    path("exams/manage/banks/<id:bank_id>/export/<str:fmt>/", manage.bank_export, name="bank_export"),
    path("exams/manage/template.xlsx", manage.question_template, name="question_template"),
    path("exams/manage/grading/", manage.grading, name="grading"),
    path("exams/manage/exams/<id:exam_id>/statistics/", manage.statistics, name="statistics"),
]
