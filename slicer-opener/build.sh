#!/bin/sh
# Cross-builds slicer-opener for every supported OS and CPU into the folder given as $1.
# Usage: ./build.sh OUTDIR [VERSION]
set -eu
out=${1:?usage: build.sh OUTDIR [VERSION]}
version=${2:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
cd "$(dirname "$0")"
mkdir -p "$out"
for target in windows/amd64 windows/arm64 darwin/amd64 darwin/arm64 linux/amd64 linux/arm64; do
	os=${target%/*}
	arch=${target#*/}
	name="slicer-opener-$os-$arch"
	ldflags="-s -w -X main.version=$version"
	if [ "$os" = windows ]; then
		name="$name.exe"
		# A GUI-subsystem program: no console window flashes up when the browser opens a link.
		ldflags="$ldflags -H windowsgui"
	fi
	CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath -ldflags "$ldflags" -o "$out/$name" .
	echo "$out/$name"
done
