#!/usr/bin/env bash
# Build and vendor Fullcircle's front-end assets from pinned npm packages.
# Usage (from anywhere): bash frontend/build.sh
# Idempotent: every output is regenerated from frontend/package-lock.json.
set -euo pipefail

FRONTEND_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT_DIR="$(cd "$FRONTEND_DIR/.." && pwd)"
NM="$FRONTEND_DIR/node_modules"
STATIC="$ROOT_DIR/app/static"
NHSUK_OUT="$STATIC/nhsuk"
HTMX_OUT="$STATIC/htmx"
AXE_OUT="$ROOT_DIR/tests/browser/vendor"

fail() { echo "build.sh: ERROR: $*" >&2; exit 1; }

echo "==> npm ci (frontend/)"
(cd "$FRONTEND_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)

pkg_version() { node -p "require('$NM/$1/package.json').version"; }
NHSUK_VERSION="$(pkg_version nhsuk-frontend)"
HTMX_VERSION="$(pkg_version htmx.org)"
AXE_VERSION="$(pkg_version axe-core)"
SASS_VERSION="$(pkg_version sass)"

NHSUK_DIST="$NM/nhsuk-frontend/dist/nhsuk"
[[ -f "$NHSUK_DIST/index.scss" ]] || fail "nhsuk-frontend Sass entry point not found at $NHSUK_DIST/index.scss"

mkdir -p "$NHSUK_OUT" "$HTMX_OUT" "$AXE_OUT" "$STATIC/js"

# ---------------------------------------------------------------- NHS.UK CSS
echo "==> sass: frontend/nhsuk.scss -> app/static/nhsuk/nhsuk.min.css"
"$NM/.bin/sass" \
  --load-path="$NM" \
  --style=compressed \
  --no-source-map \
  --no-charset \
  --quiet-deps \
  "$FRONTEND_DIR/nhsuk.scss" "$NHSUK_OUT/nhsuk.min.css"
CSS="$NHSUK_OUT/nhsuk.min.css"

# Checks: no web fonts, no external URLs (comments and SVG xmlns aside).
if grep -qi '@font-face' "$CSS"; then fail "nhsuk.min.css contains @font-face"; fi
if grep -qi 'frutiger\|woff' "$CSS"; then fail "nhsuk.min.css references Frutiger/woff"; fi
# Strip /* comments */ and the SVG/XLink namespace URIs, then look for any URL.
STRIPPED="$(perl -0777 -pe 's{/\*.*?\*/}{}gs; s{https?://www\.w3\.org/(2000/svg|1999/xlink)}{}g' "$CSS")"
if grep -Eqi 'https?:|(^|[^a-z])//[a-z0-9]' <<<"$STRIPPED"; then
  grep -Eoi '.{0,60}(https?:|//[a-z0-9]).{0,60}' <<<"$STRIPPED" >&2 || true
  fail "nhsuk.min.css contains an external URL"
fi
if ! grep -Eq 'font-family:arial,sans-serif' "$CSS"; then fail "expected font-family:arial,sans-serif in nhsuk.min.css"; fi

# ------------------------------------------------------------- NHS.UK assets
echo "==> copy NHS.UK assets -> app/static/nhsuk/assets/"
rm -rf "$NHSUK_OUT/assets"
cp -R "$NHSUK_DIST/assets" "$NHSUK_OUT/assets"

# Every url(...) in the CSS must be a data: URI or a file we just copied.
missing=0
while IFS= read -r ref; do
  [[ -z "$ref" || "$ref" == data:* || "$ref" == \#* ]] && continue
  ref="${ref%%[?#]*}"
  if [[ ! -f "$NHSUK_OUT/$ref" ]]; then echo "missing asset for url($ref)" >&2; missing=1; fi
done < <(grep -Eo 'url\([^)]*\)' "$CSS" | sed -E 's/^url\(["'\'']?//; s/["'\'']?\)$//' | sort -u)
[[ "$missing" -eq 0 ]] || fail "nhsuk.min.css references assets that were not copied"

# ----------------------------------------------------------------- NHS.UK JS
# nhsuk-frontend 10 ships only an ES module bundle: load it with type="module".
echo "==> copy NHS.UK JS bundle (ES module) -> app/static/nhsuk/nhsuk.min.js"
JS_SRC="$NHSUK_DIST/nhsuk-frontend.min.js"
[[ -f "$JS_SRC" ]] || fail "missing $JS_SRC"
# Drop the sourceMappingURL comment: the .map is not vendored.
sed -e 's|//# sourceMappingURL=[^ ]*$||' "$JS_SRC" > "$NHSUK_OUT/nhsuk.min.js"
grep -q 'initAll' "$NHSUK_OUT/nhsuk.min.js" || fail "nhsuk.min.js does not export initAll"

# ---------------------------------------------------------------------- htmx
echo "==> copy htmx -> app/static/htmx/htmx.min.js"
cp "$NM/htmx.org/dist/htmx.min.js" "$HTMX_OUT/htmx.min.js"

# ------------------------------------------------------------------ axe-core
echo "==> copy axe-core -> tests/browser/vendor/axe.min.js"
cp "$NM/axe-core/axe.min.js" "$AXE_OUT/axe.min.js"

# ------------------------------------------------------------------ VERSIONS
cat > "$STATIC/VERSIONS.txt" <<VERSIONS
# Vendored front-end packages (npm, exact versions). Built by frontend/build.sh
# from frontend/package-lock.json. Do not edit by hand.
nhsuk-frontend ${NHSUK_VERSION}  -> app/static/nhsuk/ (CSS compiled with sass ${SASS_VERSION}, no web fonts)
htmx.org ${HTMX_VERSION}  -> app/static/htmx/htmx.min.js
axe-core ${AXE_VERSION}  -> tests/browser/vendor/axe.min.js
sass ${SASS_VERSION}  (build tool only)
VERSIONS

echo "==> done"
for f in "$CSS" "$NHSUK_OUT/nhsuk.min.js" "$HTMX_OUT/htmx.min.js" "$AXE_OUT/axe.min.js"; do
  printf '  %-40s %8d bytes  (gzip %d)\n' "${f#"$ROOT_DIR"/}" "$(wc -c <"$f")" "$(gzip -9c "$f" | wc -c)"
done
