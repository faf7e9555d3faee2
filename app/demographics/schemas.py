"""The voluntary demographics form: every question optional, "prefer not to say" everywhere."""

from typing import Any

from pydantic import BaseModel, field_validator

from app.models import AgeBand, Disability, Ethnicity, GenderSameAsSex, Sex


class DemographicsForm(BaseModel):
    ethnicity: Ethnicity | None = None
    age_band: AgeBand | None = None
    sex: Sex | None = None
    gender_same_as_sex: GenderSameAsSex | None = None
    disability: Disability | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value in ("", None) else value

    def is_empty(self) -> bool:
        return all(v is None for v in self.model_dump().values())
