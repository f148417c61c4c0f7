#!/bin/sh
# Vendors Apache ECharts from the npm registry into this folder (served by matching at
# /operator/assets/echarts.min.js; no CDN). Usage: sh update-echarts.sh [VERSION]  (default: 6.1.0)
# Checks the tarball against the registry's published integrity before extracting three files of it.
set -eu
version="${1:-6.1.0}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --loglevel=error "echarts@$version" >/dev/null
expected="$(npm view "echarts@$version" dist.integrity)"
actual="sha512-$(openssl dgst -sha512 -binary "echarts-$version.tgz" | base64 -w0)"
[ "$expected" = "$actual" ] || { echo "integrity mismatch: $expected != $actual" >&2; exit 1; }
tar -xzf "echarts-$version.tgz" package/dist/echarts.min.js package/LICENSE package/NOTICE
cp package/dist/echarts.min.js package/LICENSE package/NOTICE "$here/"
echo "echarts $version ($actual)" > "$here/VERSION"
echo "vendored echarts $version into $here"
