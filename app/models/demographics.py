"""Voluntary demographics (DOMAIN.md section 8) and the population each unit serves.

Answers are kept apart from identity: ``demographic_answer`` is keyed by a pseudonymous
``contributor`` id (a random string), never by an account or an idea. A signed-in person has
one contributor id (``contributor.user_id``); an anonymous submitter gets a new one for the
idea whose receipt link they used (``idea.contributor_id``). Reports join answers to outcomes
through that id, only in aggregate (app/reports); no page shows an answer beside an idea.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlmodel import Field, SQLModel

from app.core.states import N_, LabelledEnum
from app.models.base import timestamp


class EthnicGroup(LabelledEnum):
    """The five ONS 2021 (England and Wales) groups, and "not stated" for reports."""

    asian = "asian", N_("Asian, Asian British or Asian Welsh")
    black = "black", N_("Black, Black British, Black Welsh, Caribbean or African")
    mixed = "mixed", N_("Mixed or multiple ethnic groups")
    white = "white", N_("White")
    other = "other", N_("Other ethnic group")
    not_stated = "not_stated", N_("Not stated")


class Ethnicity(LabelledEnum):
    """The 19 ONS 2021 England and Wales categories, and "prefer not to say".

    ``ETHNICITY_GROUP`` gives each its ONS group and ``NHS_ETHNIC_CATEGORY`` its NHS Data
    Dictionary ethnic category code (docs/domain.md explains the mapping)."""

    indian = "indian", N_("Indian")
    pakistani = "pakistani", N_("Pakistani")
    bangladeshi = "bangladeshi", N_("Bangladeshi")
    chinese = "chinese", N_("Chinese")
    other_asian = "other_asian", N_("Any other Asian background")
    caribbean = "caribbean", N_("Caribbean")
    african = "african", N_("African")
    other_black = "other_black", N_("Any other Black, Black British or Caribbean background")
    white_black_caribbean = "white_black_caribbean", N_("White and Black Caribbean")
    white_black_african = "white_black_african", N_("White and Black African")
    white_asian = "white_asian", N_("White and Asian")
    other_mixed = "other_mixed", N_("Any other Mixed or multiple ethnic background")
    white_british = (
        "white_british",
        N_("English, Welsh, Scottish, Northern Irish or British"),
    )
    white_irish = "white_irish", N_("Irish")
    gypsy_traveller = "gypsy_traveller", N_("Gypsy or Irish Traveller")
    roma = "roma", N_("Roma")
    other_white = "other_white", N_("Any other White background")
    arab = "arab", N_("Arab")
    other_ethnic = "other_ethnic", N_("Any other ethnic group")
    prefer_not = "prefer_not", N_("Prefer not to say")


ETHNICITY_GROUP: dict[str, EthnicGroup] = {
    Ethnicity.indian: EthnicGroup.asian,
    Ethnicity.pakistani: EthnicGroup.asian,
    Ethnicity.bangladeshi: EthnicGroup.asian,
    Ethnicity.chinese: EthnicGroup.asian,
    Ethnicity.other_asian: EthnicGroup.asian,
    Ethnicity.caribbean: EthnicGroup.black,
    Ethnicity.african: EthnicGroup.black,
    Ethnicity.other_black: EthnicGroup.black,
    Ethnicity.white_black_caribbean: EthnicGroup.mixed,
    Ethnicity.white_black_african: EthnicGroup.mixed,
    Ethnicity.white_asian: EthnicGroup.mixed,
    Ethnicity.other_mixed: EthnicGroup.mixed,
    Ethnicity.white_british: EthnicGroup.white,
    Ethnicity.white_irish: EthnicGroup.white,
    Ethnicity.gypsy_traveller: EthnicGroup.white,
    Ethnicity.roma: EthnicGroup.white,
    Ethnicity.other_white: EthnicGroup.white,
    Ethnicity.arab: EthnicGroup.other,
    Ethnicity.other_ethnic: EthnicGroup.other,
    Ethnicity.prefer_not: EthnicGroup.not_stated,
}

#: NHS Data Dictionary "Ethnic Category" (the 2001-census based codes trusts report in). The
#: 2021 categories with no code of their own take the "any other" code of their group: Gypsy
#: or Irish Traveller and Roma are C, Arab is S. Chinese is R whatever its ONS group.
NHS_ETHNIC_CATEGORY: dict[str, str] = {
    Ethnicity.white_british: "A",
    Ethnicity.white_irish: "B",
    Ethnicity.gypsy_traveller: "C",
    Ethnicity.roma: "C",
    Ethnicity.other_white: "C",
    Ethnicity.white_black_caribbean: "D",
    Ethnicity.white_black_african: "E",
    Ethnicity.white_asian: "F",
    Ethnicity.other_mixed: "G",
    Ethnicity.indian: "H",
    Ethnicity.pakistani: "J",
    Ethnicity.bangladeshi: "K",
    Ethnicity.other_asian: "L",
    Ethnicity.caribbean: "M",
    Ethnicity.african: "N",
    Ethnicity.other_black: "P",
    Ethnicity.chinese: "R",
    Ethnicity.arab: "S",
    Ethnicity.other_ethnic: "S",
    Ethnicity.prefer_not: "Z",
}


class AgeBand(LabelledEnum):
    under_18 = "under_18", N_("Under 18")
    a18_24 = "18_24", N_("18 to 24")
    a25_34 = "25_34", N_("25 to 34")
    a35_44 = "35_44", N_("35 to 44")
    a45_54 = "45_54", N_("45 to 54")
    a55_64 = "55_64", N_("55 to 64")
    a65_74 = "65_74", N_("65 to 74")
    a75_plus = "75_plus", N_("75 or over")
    prefer_not = "prefer_not", N_("Prefer not to say")


class Sex(LabelledEnum):
    female = "female", N_("Female")
    male = "male", N_("Male")
    prefer_not = "prefer_not", N_("Prefer not to say")


class GenderSameAsSex(LabelledEnum):
    """The ONS 2021 question: is your gender the same as the sex you were registered at birth?"""

    yes = "yes", N_("Yes")
    no = "no", N_("No")
    prefer_not = "prefer_not", N_("Prefer not to say")


class Disability(LabelledEnum):
    yes = "yes", N_("Yes")
    no = "no", N_("No")
    prefer_not = "prefer_not", N_("Prefer not to say")


class Contributor(SQLModel, table=True):
    """A pseudonym: a random id that stands for one person in the reports.

    ``user_id`` is set for a signed-in person (one each); an anonymous submitter's id is held
    by their idea (``idea.contributor_id``) and reached only through its receipt link."""

    __tablename__ = "contributor"

    id: str = Field(primary_key=True, max_length=32)
    user_id: int | None = Field(default=None, foreign_key="user_account.id", unique=True)
    created_at: datetime = timestamp()


class DemographicAnswer(SQLModel, table=True):
    """One contributor's answers. Every question may be left out (null) or answered "prefer
    not to say"; deleting the answers deletes the row."""

    __tablename__ = "demographic_answer"

    contributor_id: str = Field(foreign_key="contributor.id", primary_key=True, max_length=32)
    ethnicity: Ethnicity | None = Field(default=None, sa_type=String(30))
    age_band: AgeBand | None = Field(default=None, sa_type=String(20))
    sex: Sex | None = Field(default=None, sa_type=String(20))
    gender_same_as_sex: GenderSameAsSex | None = Field(default=None, sa_type=String(20))
    disability: Disability | None = Field(default=None, sa_type=String(20))
    updated_at: datetime = timestamp()


class UnitPopulation(SQLModel, table=True):
    """How many people a unit serves, by ONS ethnic group (entered by an admin), for reach."""

    __tablename__ = "unit_population"
    __table_args__ = (CheckConstraint("people >= 0", name="people_not_negative"),)

    unit_id: int = Field(foreign_key="unit.id", primary_key=True)
    ethnic_group: EthnicGroup = Field(sa_type=String(20), primary_key=True)
    people: int = 0
    updated_at: datetime = timestamp()
    updated_by_id: int | None = Field(default=None, foreign_key="user_account.id")
