#!/bin/sh
# Installs the Strongroom folder this script sits in (run as root; no prompts, so it is silent).
#   install.sh [--prefix /opt/strongroom] [--models DIR]    install or upgrade; --models copies DIR's
#                                                           files into the machine-wide models folder
#   install.sh --uninstall [--purge]                        remove the app; --purge also removes IT's
#                                                           models folder and policy (never user data)
set -eu
PREFIX=/opt/strongroom
MODELS=""
ACTION=install
PURGE=0
SITE_DATA=/usr/local/share/Strongroom   # platformdirs' site data dir with the default XDG_DATA_DIRS
SITE_CONFIG=/etc/xdg/Strongroom
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX=$2; shift 2 ;;
    --models) MODELS=$2; shift 2 ;;
    --uninstall) ACTION=uninstall; shift ;;
    --purge) PURGE=1; shift ;;
    *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
HERE=$(cd "$(dirname "$0")" && pwd)

if [ "$ACTION" = uninstall ]; then
  rm -f /usr/local/bin/strongroom /usr/local/share/applications/strongroom.desktop
  rm -rf "$PREFIX"
  [ "$PURGE" = 1 ] && rm -rf "$SITE_DATA" "$SITE_CONFIG"
  echo "Strongroom removed from $PREFIX$( [ "$PURGE" = 1 ] && echo ", with $SITE_DATA and $SITE_CONFIG")."
  exit 0
fi

[ -x "$HERE/strongroom" ] || { echo "install.sh: $HERE/strongroom not found" >&2; exit 1; }
if [ "$HERE" != "$PREFIX" ]; then
  rm -rf "$PREFIX.new"
  mkdir -p "$(dirname "$PREFIX")"
  cp -a "$HERE" "$PREFIX.new"
  rm -rf "$PREFIX"
  mv "$PREFIX.new" "$PREFIX"   # an upgrade replaces the folder in one step
fi
mkdir -p /usr/local/bin /usr/local/share/applications "$SITE_DATA/models"
ln -sf "$PREFIX/strongroom" /usr/local/bin/strongroom
cat > /usr/local/share/applications/strongroom.desktop <<DESKTOP
[Desktop Entry]
Type=Application
Name=Strongroom
Comment=Private document Q&A, offline
Exec=$PREFIX/strongroom
Terminal=false
Categories=Office;
DESKTOP
if [ -n "$MODELS" ]; then
  [ -d "$MODELS" ] || { echo "install.sh: models folder $MODELS not found" >&2; exit 2; }
  cp -a "$MODELS"/. "$SITE_DATA/models/"
  chmod -R a+rX "$SITE_DATA/models"
fi
echo "Strongroom installed in $PREFIX; models folder $SITE_DATA/models; policy file $SITE_CONFIG/policy.toml"
