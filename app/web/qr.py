"""QR codes as inline SVG (segno), sized by CSS: unit posters and two-step sign-in set-up."""

from markupsafe import Markup, escape


def qr_svg(data: str, *, label: str, css_class: str, error: str = "m") -> Markup:
    """``data`` as an inline SVG QR code with ``label`` as its accessible name.

    Safe to mark as Markup: segno writes the markup itself, and the only text in it (the
    label) is escaped. Callers choose a label that does not repeat a secret in ``data``.
    """
    import segno  # about 7 MB: only posters and two-step set-up draw a QR code

    svg = segno.make(data, error=error).svg_inline(
        scale=1,
        dark="#000",
        light="#fff",
        omitsize=True,
        title=label,
        svgclass=css_class,
        lineclass=None,
    )
    assert svg.startswith("<svg ")
    attrs = f'<svg role="img" aria-label="{escape(label)}" focusable="false" '
    return Markup(attrs + svg.removeprefix("<svg "))
