"""A failed browser test leaves a screenshot of every page it had open (``tests/browser_a11y.py``)."""

import pytest

from tests.browser_a11y import shoot_failed_test


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        browser = item.funcargs.get("chromium") if hasattr(item, "funcargs") else None
        if browser is not None:
            for path in shoot_failed_test(browser, item.nodeid):
                report.sections.append(("screenshot", str(path)))
    return report
