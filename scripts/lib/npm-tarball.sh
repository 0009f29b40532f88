# Sourced by scripts that take a pinned package from the npm registry: downloads the tarball with curl (no npm
# needed; the registry is npm's own setting where npm is installed, else NPM_CONFIG_REGISTRY, else npmjs.org) and
# checks npm's published integrity (sha512, Base64) before anything reads it.
#   npm_tarball <package> <version> <integrity> <dest.tgz>
npm_tarball() {
  local package=$1 version=$2 integrity=$3 dest=$4 registry actual
  registry=${NPM_CONFIG_REGISTRY:-$(npm config get registry 2>/dev/null || echo https://registry.npmjs.org/)}
  registry=${registry%/}
  curl -fsSL --retry 2 --max-time 600 -o "$dest" "$registry/$package/-/${package##*/}-$version.tgz" \
    || { echo "$(basename "$0"): could not download $package@$version from $registry" >&2; return 1; }
  actual=$(openssl dgst -sha512 -binary "$dest" | base64 -w0 2>/dev/null || openssl dgst -sha512 -binary "$dest" | base64 | tr -d '\n')
  if [ "$actual" != "$integrity" ]; then
    echo "$(basename "$0"): integrity mismatch for $package@$version: expected sha512-$integrity, got sha512-$actual" >&2
    return 1
  fi
}
