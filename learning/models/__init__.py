from .org import Member, MemberTransfer, Organization, RoleAssignment

__all__ = ["Member", "MemberTransfer", "Organization", "RoleAssignment"]
