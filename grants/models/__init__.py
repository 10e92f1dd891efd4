"""Typed models, one module per area. Importing this package registers every table."""

from grants.models.audit import AuditEntry, AuditHead
from grants.models.ballots import Ballot, Participation
from grants.models.groups import Funder, FunderMembership, Group, GroupMembership, GroupRole
from grants.models.ledger import Account, AccountKind, Entry, EntryGroup, EntryKind
from grants.models.money import (
    Award,
    Contribution,
    ContributionMethod,
    Pledge,
    Tranche,
    TrancheStatus,
)
from grants.models.notifications import Notification, NotificationPreference, OutboxJob
from grants.models.panels import (
    InterestDeclaration,
    PanelComment,
    PanelInvitation,
    PanelMember,
    PanelRole,
)
from grants.models.people import Person
from grants.models.proposals import BudgetLine, Proposal, ProposalStatus
from grants.models.results import Result, ResultLine
from grants.models.rounds import (
    BallotType,
    CountingRule,
    QuorumPolicy,
    Round,
    RoundStaff,
    RoundStatus,
    RuleChange,
    StaffRole,
    TieBreak,
)
from grants.models.uploads import Upload

__all__ = [
    "AuditEntry",
    "AuditHead",
    "Upload",
    "Notification",
    "NotificationPreference",
    "OutboxJob",
    "Account",
    "AccountKind",
    "Award",
    "Ballot",
    "BallotType",
    "BudgetLine",
    "Contribution",
    "ContributionMethod",
    "CountingRule",
    "Entry",
    "EntryGroup",
    "EntryKind",
    "Funder",
    "FunderMembership",
    "Group",
    "GroupMembership",
    "GroupRole",
    "InterestDeclaration",
    "PanelComment",
    "PanelInvitation",
    "PanelMember",
    "PanelRole",
    "Participation",
    "Person",
    "Pledge",
    "Proposal",
    "ProposalStatus",
    "QuorumPolicy",
    "Result",
    "ResultLine",
    "Round",
    "RoundStaff",
    "RoundStatus",
    "RuleChange",
    "StaffRole",
    "TieBreak",
    "Tranche",
    "TrancheStatus",
]
