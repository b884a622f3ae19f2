#!/usr/bin/env bash
# Packs the library as npm would publish it and installs the tarball into two throwaway
# consumer projects, so what ships (exports map, both builds, both sets of types) is what
# gets tested: ESM on Nest 12 under Jest, without the optional peers (@opentelemetry/api,
# @nestjs/terminus), and CommonJS on Nest 11 with plain node, with @opentelemetry/api and an SDK.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/cache-memoize-smoke.XXXXXX")"
trap 'rm -rf "$work"' EXIT
npm_install=(npm install --prefer-offline --no-audit --no-fund --loglevel=error)

step() { printf '\n== %s\n' "$*"; }

# Compiles the consumer and checks which of the shipped declaration files tsc picked.
compile_against() {
  npx tsc -p tsconfig.json --explainFiles >"$work/tsc.log" || { cat "$work/tsc.log"; exit 1; }
  grep -q "node_modules/nestjs-cache-memoize/$1" "$work/tsc.log" || { echo "not ok - tsc did not use $1"; exit 1; }
  echo "ok - compiled (strict, NodeNext) against the shipped $1"
}

step "npm pack (runs the build through prepack)"
tarball="$(cd "$repo" && npm pack --silent --pack-destination "$work" | tail -n 1)"
mv "$work/$tarball" "$work/nestjs-cache-memoize.tgz"
echo "ok - packed $tarball"

for consumer in esm-nest12 cjs-nest11; do
  cp -R "$repo/test/smoke/$consumer" "$work/$consumer"
  cp "$repo/test/smoke/shared/app.module.ts" "$work/$consumer/src/"
done

step "ESM consumer on Nest 12: install, tsc (strict, NodeNext), Jest in ESM mode"
cd "$work/esm-nest12"
"${npm_install[@]}"
echo "ok - installed @nestjs/core $(node -p "require('@nestjs/core/package.json').version")"
resolved="$(node --input-type=module -e "console.log(import.meta.resolve('nestjs-cache-memoize'))")"
[[ "$resolved" == */nestjs-cache-memoize/dist/index.js ]] || { echo "not ok - import resolved $resolved"; exit 1; }
echo "ok - import resolves the ESM build ($resolved)"
compile_against dist/index.d.ts
if node -e "require.resolve('@opentelemetry/api')" 2>/dev/null; then echo "not ok - @opentelemetry/api got installed"; exit 1; fi
echo "ok - this consumer has no @opentelemetry/api (an optional peer): the spec boots the app without it"
CI=true npm test --silent

step "CommonJS consumer on Nest 11: install, tsc to CommonJS, run"
cd "$work/cjs-nest11"
"${npm_install[@]}"
echo "ok - installed @nestjs/core $(node -p "require('@nestjs/core/package.json').version")"
compile_against dist/cjs/index.d.ts
npm start --silent

printf '\nsmoke: both consumers passed\n'
