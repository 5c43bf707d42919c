from learning.certificates.models import Certificate, CertificateKind, CertificateTemplate


def test_the_demo_has_certificate_templates_and_issued_certificates(demo_db):
    assert CertificateTemplate.objects.filter(kind=CertificateKind.COURSE).exists()
    template = CertificateTemplate.objects.get(kind=CertificateKind.HOURS)
    assert template.seal_image is not None
    demo_member = Certificate.objects.filter(member__user__username="member")
    assert demo_member.exists()
    assert all(c.template.organization and c.template.organization.name == "市直机关工委" for c in demo_member)
