"""Input formats for Simplified Chinese, ISO first.

Django's own zh_Hans formats put ``%Y/%m/%d`` first, and a ``DateInput`` renders its
value with the first input format. Browsers accept only ``yyyy-mm-dd`` in an
``<input type="date">`` and show the field blank otherwise, so ISO must come first;
the slash forms are still accepted when typed.
"""

DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # '2026-12-01'
    "%Y/%m/%d",  # '2026/12/01'
    "%Y.%m.%d",  # '2026.12.01'
    "%Y年%m月%d日",  # '2026年12月01日'
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%dT%H:%M",  # '2026-12-01T09:30' (datetime-local)
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
]
