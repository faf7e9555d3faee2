/*
 * Fullcircle: start NHS.UK frontend components, and start them again in
 * content that htmx swaps into the page.
 *
 * This is an ES module (nhsuk-frontend 10 ships only an ES module bundle).
 * Load it once, near the end of <body>, as:
 *   <script type="module" src="/static/js/init.js" nonce="{{ csp_nonce }}"></script>
 * It imports ../nhsuk/nhsuk.min.js itself (same origin, relative URL), so the
 * bundle needs no <script> tag of its own.
 */
import { initAll } from "../nhsuk/nhsuk.min.js";

// NHS.UK's page template does this with an inline <script>. Doing it here
// means no inline script is needed under the CSP. Any browser that runs ES
// modules counts as "supported" (the template tests the same thing).
document.body.classList.add("js-enabled", "nhsuk-frontend-supported");

function onError(error) {
  // Components already started (outside a swapped region) throw InitError.
  if (error && error.name === "InitError") return;
  console.error(error);
}

initAll({ onError });

// htmx fires htmx:load on each element it adds to the page (and once on
// <body> at start-up, which initAll above has already covered).
document.addEventListener("htmx:load", (event) => {
  const elt = (event.detail && event.detail.elt) || event.target;
  if (!(elt instanceof Element) || elt === document.body) return;
  // querySelectorAll skips the scope element itself, so scope to the parent.
  initAll({ scope: elt.parentElement || elt, onError });
});

// Enter in the idea form's place search narrows the list of places where it is, instead of
// pressing the form's first button (which, without JavaScript, searches and shows the form
// again). Either way Enter there never sends the idea.
document.addEventListener("keydown", (event) => {
  const input = event.target;
  if (event.key !== "Enter" || !(input instanceof HTMLInputElement)) return;
  if (input.id !== "unit_q" || typeof window.htmx === "undefined") return;
  event.preventDefault();
  window.htmx.trigger(input, "unit-search");
});
