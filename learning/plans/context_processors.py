from learning.plans.header import site_header as read_site_header


def site_header(request):
    """The site header's figures (learning/plans/header.py), read lazily once per request."""
    return {"site_header": lambda: read_site_header(request)}
