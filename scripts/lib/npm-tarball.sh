# Sourced by scripts that take a pinned package from a registry by curl (no npm or NuGet client needed) and check its
# published SHA-512 (Base64) before anything reads it.
#   pinned_download <url> <sha512-base64> <dest> <what, for messages>
#   npm_tarball <package> <version> <integrity> <dest.tgz>   the npm registry: npm's own setting where npm is
#                                                             installed, else NPM_CONFIG_REGISTRY, else npmjs.org
pinned_download() {
  local url=$1 sha512=$2 dest=$3 what=$4 actual
  curl -fsSL --retry 2 --max-time 600 -o "$dest" "$url" \
    || { echo "$(basename "$0"): could not download $what from $url" >&2; return 1; }
  actual=$(openssl dgst -sha512 -binary "$dest" | base64 -w0 2>/dev/null || openssl dgst -sha512 -binary "$dest" | base64 | tr -d '\n')
  if [ "$actual" != "$sha512" ]; then
    echo "$(basename "$0"): integrity mismatch for $what: expected sha512-$sha512, got sha512-$actual" >&2
    return 1
  fi
}

npm_tarball() {
  local package=$1 version=$2 integrity=$3 dest=$4 registry
  registry=${NPM_CONFIG_REGISTRY:-$(npm config get registry 2>/dev/null || echo https://registry.npmjs.org/)}
  registry=${registry%/}
  pinned_download "$registry/$package/-/${package##*/}-$version.tgz" "$integrity" "$dest" "$package@$version"
}
