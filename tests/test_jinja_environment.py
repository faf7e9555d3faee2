"""The app's Jinja environment answers exactly as Jinja's own does, only faster
(app/web/render.py ``_Environment``): attribute lookups on dicts, and templates sharing the
environment's globals."""

from functools import cache
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from jinja2 import ChainableUndefined, Environment, PackageLoader, Undefined
from markupsafe import Markup

from app.web.attributes import nhsuk_attributes
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


# --- nhsukAttributes in Python (app/web/attributes.py) ----------------------------------

PLAIN_TEXT = st.text(alphabet=st.sampled_from("ab <>&\"'=é"), max_size=6)
VALUES = st.one_of(
    PLAIN_TEXT,
    st.integers(-5, 5),
    st.booleans(),
    st.none(),
    PLAIN_TEXT.map(Markup),
    st.lists(PLAIN_TEXT, max_size=3),
)
OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "value": VALUES,
        "type": st.sampled_from(["string", "array", "other"]),
        "optional": st.sampled_from([True, False, "yes", None]),
    },
)
ATTRIBUTES = st.one_of(
    st.dictionaries(PLAIN_TEXT.filter(bool), st.one_of(VALUES, OPTIONS), max_size=5),
    PLAIN_TEXT,
    PLAIN_TEXT.map(Markup),
    st.none(),
    st.integers(),
)


@cache
def _package_macro() -> Any:
    """The package's own macro, in an environment set up as ours but without our shadowing
    templates (nothing of ours on the loader)."""
    env = Environment(
        loader=PackageLoader("nhsuk_frontend_jinja", "templates"),
        autoescape=True,
        undefined=ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    module: Any = env.get_template("nhsuk/macros/attributes.jinja").module
    return module.nhsukAttributes


@given(ATTRIBUTES)
def test_nhsuk_attributes_in_python_gives_what_the_package_macro_gives(attributes: Any) -> None:
    assert nhsuk_attributes(attributes) == _package_macro()(attributes)


def test_every_component_uses_the_python_attributes() -> None:
    env = environment()
    module: Any = env.get_template("nhsuk/macros/attributes.jinja").module
    assert module.nhsukAttributes is nhsuk_attributes
    button: Any = env.globals["button"]
    html = button({"text": "Go", "attributes": {"data-x": 'a"b', "hidden": None}})
    assert "data-x='a&#34;b'" in html or 'data-x="a&#34;b"' in html
    assert 'hidden=""' in html
