/*
 * Fullcircle: the "Print this poster" button on a unit's poster page.
 * The button is `hidden` in the HTML, so without JavaScript it never shows
 * (the page tells people to use their browser's print option instead).
 * Load as: <script type="module" src="/static/js/print.js" nonce="..."></script>
 */
for (const button of document.querySelectorAll("[data-fc-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
