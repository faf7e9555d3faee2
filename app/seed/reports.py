"""The demo's voluntary demographics and the population the demo trust serves, so /reports
and /transparency have something to show, with some cells small enough to be suppressed."""

import random

from sqlmodel import Session

from app.demographics.service import new_id
from app.models import (
    AgeBand,
    Contributor,
    DemographicAnswer,
    Disability,
    EthnicGroup,
    Ethnicity,
    Sex,
    Unit,
    UnitPopulation,
    User,
)

#: How often each answer is given (weights): most people White British, a few in groups
#: small enough that the reports show "<10" for them.
ETHNICITY_WEIGHTS = {
    Ethnicity.white_british: 40,
    Ethnicity.indian: 12,
    Ethnicity.pakistani: 6,
    Ethnicity.african: 8,
    Ethnicity.caribbean: 4,
    Ethnicity.white_asian: 2,
    Ethnicity.other_white: 6,
    Ethnicity.arab: 1,
    Ethnicity.prefer_not: 5,
}
#: The people of the demo trust's area (a made-up borough of about 250,000).
POPULATION = {
    EthnicGroup.asian: 38_000,
    EthnicGroup.black: 22_000,
    EthnicGroup.mixed: 9_000,
    EthnicGroup.white: 172_000,
    EthnicGroup.other: 6_000,
}


def seed(db: Session, *, rng: random.Random, users: list[User], root: Unit) -> int:
    """Answers for about two in three of ``users``; returns how many answered."""
    answered = 0
    ethnicities, weights = zip(*ETHNICITY_WEIGHTS.items(), strict=True)
    ages = [a for a in AgeBand if a is not AgeBand.under_18]
    for user in users:
        if rng.random() > 0.66:
            continue
        contributor = Contributor(id=new_id(), user_id=user.id)
        db.add(contributor)
        db.flush()
        db.add(
            DemographicAnswer(
                contributor_id=contributor.id,
                ethnicity=rng.choices(ethnicities, weights)[0],
                age_band=rng.choice(ages),
                sex=rng.choice(list(Sex)),
                disability=rng.choice(list(Disability)),
            )
        )
        answered += 1
    assert root.id is not None
    for group, people in POPULATION.items():
        db.add(UnitPopulation(unit_id=root.id, ethnic_group=group, people=people))
    db.flush()
    return answered
