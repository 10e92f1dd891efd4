"""Rounds ("tables"): a pot of money with a purpose and rules, run by convenors."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, false, text
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models._base import N_, AddressInvitation, UTCDateTime, str_enum, utcnow
from grants.models.people import Person
from grants.models.written import WrittenIn


class RoundStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN_FOR_BIDS = "open_for_bids"
    BIDS_CLOSED = "bids_closed"
    DELIBERATION = "deliberation"
    VOTING = "voting"
    COUNTED = "counted"
    NO_DECISION = "no_decision"
    AWARDING = "awarding"
    PAYING = "paying"
    REPORTING = "reporting"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        """The stage's name in the reader's language (records keep STATUS_LABELS' English)."""
        return lazy_gettext(STATUS_LABELS[self])


STATUS_LABELS = {
    RoundStatus.DRAFT: N_("Draft"),
    RoundStatus.OPEN_FOR_BIDS: N_("Open for bids"),
    RoundStatus.BIDS_CLOSED: N_("Bids closed"),
    RoundStatus.DELIBERATION: N_("Panel reading and talking"),
    RoundStatus.VOTING: N_("Panel voting"),
    RoundStatus.COUNTED: N_("Decided"),
    RoundStatus.NO_DECISION: N_("No decision (quorum not met)"),
    RoundStatus.AWARDING: N_("Making awards"),
    RoundStatus.PAYING: N_("Paying"),
    RoundStatus.REPORTING: N_("Reporting"),
    RoundStatus.CLOSED: N_("Closed"),
}

# The order a round moves through; a round never goes back.
STATUS_ORDER = list(RoundStatus)

# Once voting opens, the rules are frozen.
RULES_FROZEN_FROM = RoundStatus.VOTING


class BallotType(enum.StrEnum):
    APPROVAL = "approval"
    CUMULATIVE = "cumulative"
    SCORE = "score"
    RANKED = "ranked"
    CONSENSUS = "consensus"

    @property
    def label(self) -> str:
        """The ballot's name in the reader's language (records keep BALLOT_LABELS' English)."""
        return lazy_gettext(BALLOT_LABELS[self])

    @property
    def pabulib_vote_type(self) -> str:
        """The Pabulib vote type this ballot is published as."""
        return PABULIB_VOTE_TYPES[self]


BALLOT_LABELS = {
    BallotType.APPROVAL: N_("Approval: tick every proposal you support"),
    BallotType.CUMULATIVE: N_("Points: spread a number of points across the proposals"),
    BallotType.SCORE: N_("Scores: score each proposal against published criteria, with a comment"),
    BallotType.RANKED: N_("Ranking: put your favourite proposals in order"),
    BallotType.CONSENSUS: N_("Consensus: the panel decides by talking; the facilitator records it"),
}

# Consensus has no ballots; its record is published as an approval file with no votes.
PABULIB_VOTE_TYPES = {
    BallotType.APPROVAL: "approval",
    BallotType.CUMULATIVE: "cumulative",
    BallotType.SCORE: "scoring",
    BallotType.RANKED: "ordinal",
    BallotType.CONSENSUS: "approval",
}


class CountingRule(enum.StrEnum):
    """The engine's rules (grants.tally.RULES), plus a recorded consensus."""

    GREEDY = "greedy"
    GREEDY_NO_SKIP = "greedy-no-skip"
    GREEDY_THRESHOLD = "greedy-threshold"
    EQUAL_SHARES = "equalshares"
    EQUAL_SHARES_ADD1 = "equalshares/add1"
    EQUAL_SHARES_ADD1_COMPARISON = "equalshares/add1-comparison"
    PHRAGMEN = "phragmen"
    SCORE_AVERAGE = "score-average"
    CONSENSUS = "consensus"


# Which counting rules make sense for each ballot (the first is the default).
RULES_FOR_BALLOT = {
    BallotType.APPROVAL: (
        CountingRule.GREEDY,
        CountingRule.GREEDY_NO_SKIP,
        CountingRule.GREEDY_THRESHOLD,
        CountingRule.EQUAL_SHARES,
        CountingRule.EQUAL_SHARES_ADD1,
        CountingRule.EQUAL_SHARES_ADD1_COMPARISON,
        CountingRule.PHRAGMEN,
    ),
    BallotType.CUMULATIVE: (
        CountingRule.GREEDY,
        CountingRule.GREEDY_NO_SKIP,
        CountingRule.GREEDY_THRESHOLD,
        CountingRule.EQUAL_SHARES,
        CountingRule.EQUAL_SHARES_ADD1,
    ),
    BallotType.SCORE: (CountingRule.SCORE_AVERAGE,),
    BallotType.RANKED: (CountingRule.GREEDY, CountingRule.GREEDY_NO_SKIP, CountingRule.GREEDY_THRESHOLD),
    BallotType.CONSENSUS: (CountingRule.CONSENSUS,),
}


class TieBreak(enum.StrEnum):
    CHEAPER_FIRST = "cheaper_first"
    NEWER_GROUP_FIRST = "newer_group_first"
    LOTTERY = "lottery"


class Electorate(enum.StrEnum):
    """Who votes: the panel, or a whole community holding single-use voting codes."""

    PANEL = "panel"
    COMMUNITY = "community"


class QuorumPolicy(enum.StrEnum):
    NO_DECISION = "no_decision"
    EXTEND = "extend"


class StaffRole(enum.StrEnum):
    CONVENOR = "convenor"
    TREASURER = "treasurer"


class RoundText(db.Model):
    """A table's title, purpose and who may apply in one further language it is run in."""

    __tablename__ = "round_texts"
    __table_args__ = (UniqueConstraint("round_id", "language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200), default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    who_may_apply: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<RoundText round={self.round_id} {self.language}>"


class Round(WrittenIn, db.Model):
    """A funding round. Its rules are published and frozen once voting opens."""

    TEXT_FIELDS = ("title", "purpose", "who_may_apply")
    TEXT_ROW = RoundText

    __tablename__ = "rounds"
    # Columns with only a server default are read back when first used, not by RETURNING on every insert.
    __mapper_args__ = {"eager_defaults": False}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    who_may_apply: Mapped[str] = mapped_column(Text)
    max_grant_pence: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="GBP")
    status: Mapped[RoundStatus] = mapped_column(str_enum(RoundStatus), default=RoundStatus.DRAFT)

    # Timetable (UTC). The plan; the status records what has actually happened.
    bids_open_at: Mapped[datetime] = mapped_column(UTCDateTime)
    bids_close_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deliberation_opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    voting_opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    voting_closes_at: Mapped[datetime] = mapped_column(UTCDateTime)

    # Rules, frozen from voting on.
    ballot_type: Mapped[BallotType] = mapped_column(str_enum(BallotType), default=BallotType.APPROVAL)
    min_picks: Mapped[int | None] = mapped_column(Integer)
    max_picks: Mapped[int | None] = mapped_column(Integer)
    ballot_within_budget: Mapped[bool] = mapped_column(Boolean, default=True)
    electorate: Mapped[Electorate] = mapped_column(str_enum(Electorate), default=Electorate.PANEL)
    # For a community-wide vote: the community whose members are invited.
    community_name: Mapped[str | None] = mapped_column(String(200))
    # Cumulative: points each voter spreads, and the most on one proposal.
    points_total: Mapped[int | None] = mapped_column(Integer)
    points_cap: Mapped[int | None] = mapped_column(Integer)
    # Score: each proposal scored 0..score_max on each published criterion.
    score_max: Mapped[int | None] = mapped_column(Integer)
    score_criteria: Mapped[list[str]] = mapped_column(JSON, default=list)
    # What each score means, from 0 up (written by the table; the ballot shows them beside the numbers).
    # Server defaults only, loaded when used: a round made or read without them never names them in SQL
    # (so code and data migrations written before these columns still work).
    score_meanings: Mapped[list[str]] = mapped_column(JSON, server_default=text("'[]'"), deferred=True)
    # A panel member may skip a proposal they have too little information to score ("not enough
    # information"); its average is then over the members who scored it.
    score_skip_allowed: Mapped[bool] = mapped_column(Boolean, server_default=false(), deferred=True)
    # Ranked: how many proposals a voter puts in order.
    rank_depth: Mapped[int | None] = mapped_column(Integer)
    counting_rule: Mapped[CountingRule] = mapped_column(str_enum(CountingRule, length=40), default=CountingRule.GREEDY)
    # greedy-threshold: the least support a proposal needs to take part.
    min_support: Mapped[int | None] = mapped_column(Integer)
    quorum_min_ballots: Mapped[int | None] = mapped_column(Integer)
    quorum_min_share_percent: Mapped[int | None] = mapped_column(Integer)
    # Share of those who voted who have lived experience (aggregate only).
    quorum_lived_experience_percent: Mapped[int | None] = mapped_column(Integer)
    # Panel members who voted and were free to score each proposal (after recusals).
    quorum_min_scorers: Mapped[int | None] = mapped_column(Integer)
    quorum_policy: Mapped[QuorumPolicy] = mapped_column(str_enum(QuorumPolicy), default=QuorumPolicy.NO_DECISION)
    quorum_extend_days: Mapped[int | None] = mapped_column(Integer)
    # Set when quorum was missed and voting was extended (this happens at most once).
    voting_extended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tie_break: Mapped[TieBreak] = mapped_column(str_enum(TieBreak), default=TieBreak.CHEAPER_FIRST)
    # Published before voting so anyone can repeat the draw.
    lottery_seed: Mapped[str | None] = mapped_column(String(64))
    # Whether voters get a receipt to find their ballot in the published file. A receipt also
    # lets a voter show someone pressing them how they voted; the panel chooses (README).
    # Deferred, with only a server default, so code written before it (and migration tests run at
    # older revisions) neither writes nor reads it unless asked.
    receipts_on: Mapped[bool] = mapped_column(Boolean, server_default=sa_true(), deferred=True)
    support_contact: Mapped[str] = mapped_column(Text, default="")
    # The language title, purpose and who_may_apply are written in; `texts` holds each further
    # language the table is run in (grants/models/written.py). Deferred with a server default, as above.
    language: Mapped[str] = mapped_column(String(8), server_default="en", deferred=True)
    # The parts of a new table's task list not yet answered (grants/rounds/setup.py). Empty for a
    # table made in one go (the demo, the tests' factories, a .pb import) and once every part is
    # done; deferred with a server default, as above.
    setup_unfinished: Mapped[list[str]] = mapped_column(JSON, server_default=text("'[]'"), deferred=True)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))

    staff: Mapped[list[RoundStaff]] = relationship(back_populates="round")
    texts: Mapped[list[RoundText]] = relationship(
        cascade="all, delete-orphan", order_by=RoundText.language, passive_deletes=True
    )
    rule_changes: Mapped[list[RuleChange]] = relationship(back_populates="round", order_by="RuleChange.changed_at")

    def __repr__(self) -> str:
        return f"<Round {self.id} {self.slug} {self.status}>"

    @property
    def rules_frozen(self) -> bool:
        """True from the moment voting opens."""
        return STATUS_ORDER.index(self.status) >= STATUS_ORDER.index(RULES_FROZEN_FROM)

    @property
    def score_words(self) -> list[str]:
        """What each score from 0 to score_max means: the table's own words, or plain defaults."""
        top = self.score_max or 0
        if self.score_meanings and len(self.score_meanings) == top + 1:
            return list(self.score_meanings)
        return default_score_meanings(top)

    @property
    def is_published(self) -> bool:
        return self.status is not RoundStatus.DRAFT

    @property
    def accepts_bids(self) -> bool:
        return self.status is RoundStatus.OPEN_FOR_BIDS

    @property
    def is_voting(self) -> bool:
        return self.status is RoundStatus.VOTING


class StaffInvitation(AddressInvitation, db.Model):
    """An invitation to help run a table, waiting for the owner of the address to say yes."""

    __tablename__ = "staff_invitations"

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    role: Mapped[StaffRole] = mapped_column(str_enum(StaffRole))

    round: Mapped[Round] = relationship()
    invited_by: Mapped[Person] = relationship(foreign_keys="StaffInvitation.invited_by_id")

    def __repr__(self) -> str:
        return f"<StaffInvitation {self.id} round={self.round_id} {self.role}>"


class RoundStaff(db.Model):
    """A person's role in running a round: convenor, or treasurer who releases money."""

    __tablename__ = "round_staff"
    __table_args__ = (UniqueConstraint("round_id", "person_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    role: Mapped[StaffRole] = mapped_column(str_enum(StaffRole))

    round: Mapped[Round] = relationship(back_populates="staff")
    person: Mapped[Person] = relationship()

    def __repr__(self) -> str:
        return f"<RoundStaff round={self.round_id} person={self.person_id} {self.role}>"


class RuleChange(db.Model):
    """A published change to a round's rules or timetable, with its reason."""

    __tablename__ = "rule_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    field: Mapped[str] = mapped_column(String(60))
    old_value: Mapped[str] = mapped_column(Text)
    new_value: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    # Beside the English above, each part as a record's words ("field", "old", "new", "reason";
    # grants/language/records.py), so a page shows the change in its reader's language. A change
    # made before they were kept has none and is shown as written.
    words: Mapped[dict | None] = mapped_column(JSON, nullable=True, default=None)

    round: Mapped[Round] = relationship(back_populates="rule_changes")

    def __repr__(self) -> str:
        return f"<RuleChange round={self.round_id} {self.field}>"


def default_score_meanings(top: int) -> list[str]:
    """Plain words for 0..top when a table has not written its own (0 to 4: the common five-point scale)."""
    if top == 4:
        return ["Does not meet it", "Meets a little of it", "Meets some of it", "Meets most of it", "Meets all of it"]
    words = ["Does not meet it"] + [f"{n} out of {top}" for n in range(1, top)]
    return [*words, "Meets all of it"] if top >= 1 else words
