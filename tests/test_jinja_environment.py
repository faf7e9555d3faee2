"""The app's Jinja environment answers exactly as Jinja's own does, only faster
(app/web/render.py ``_Environment``): attribute lookups on dicts, and templates sharing the
environment's globals."""

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from jinja2 import Environment, Undefined

from app.web.render import environment

KEYS = st.one_of(
    st.text(min_size=1, max_size=8),
    st.sampled_from(["items", "keys", "get", "values", "update", "__class__", "text", "href"]),
)


def same(a: Any, b: Any) -> bool:
    if isinstance(a, Undefined) or isinstance(b, Undefined):
        return type(a) is type(b)
    return bool(a == b)


@given(st.dictionaries(KEYS, st.integers(), max_size=6), KEYS)
def test_a_dict_attribute_is_what_jinja_gives(params: dict[str, int], attribute: str) -> None:
    ours = environment()
    plain = Environment(undefined=type(ours.undefined(name="x")))
    assert same(ours.getattr(params, attribute), plain.getattr(params, attribute))


def test_params_items_is_still_the_method_in_a_template() -> None:
    env = environment()
    rendered = env.from_string("{{ p.items() | list | length }} {{ p['items'] }} {{ p.text }}")
    assert rendered.render(p={"items": [1, 2, 3], "text": "hi"}) == "2 [1, 2, 3] hi"


def test_templates_share_the_environments_globals_and_see_new_ones() -> None:
    env = environment().overlay(cache_size=0)
    template = env.from_string("{{ fc_test_global }}")
    env.globals["fc_test_global"] = "late"
    try:
        assert template.render() == "late"
        # A template's own globals still overlay without touching the environment's.
        own = env.from_string("{{ fc_test_global }}", globals={"fc_test_global": "own"})
        assert own.render() == "own"
        assert env.globals["fc_test_global"] == "late"
    finally:
        del env.globals["fc_test_global"]
