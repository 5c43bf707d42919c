"""The learning apps: one package of feature apps, like ``wagtail.images`` / ``wagtail.documents``.

Floors, bottom up: ``members`` (organizations, members, roles, the scoping API) →
``hours`` (ledger, hour rules, study items, tracking, offline study, record) →
``plans``, ``evaluations``, ``certificates``. None of them imports ``courses``,
``exams`` or ``search``: those plug in through the protocols and registries declared here.
"""
