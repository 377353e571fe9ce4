; Strongroom installer for Windows (NSIS 3, Unicode).
;
; Built by packaging/windows/build-windows.ps1 on Windows, after PyInstaller has produced
; dist\strongroom\ (the PyInstaller build itself must run on Windows). makensis also runs on Linux:
;   makensis -DSOURCE_DIR=dist/strongroom -DVERSION=0.1.0 -DOUT_FILE=dist/Strongroom-Setup.exe packaging/windows/strongroom.nsi
;
; Silent install (per machine, needs admin):
;   Strongroom-Setup.exe /S [/MODELS=D:\approved-models] [/D=C:\Program Files\Strongroom]
;     /MODELS copies every file of that folder into the machine-wide models folder
;     (C:\ProgramData\Strongroom\models), where Strongroom finds and verifies them.
; Silent uninstall:
;   "C:\Program Files\Strongroom\Uninstall.exe" /S              keeps models, policy and user data
;   "C:\Program Files\Strongroom\Uninstall.exe" /S /PURGE       also removes C:\ProgramData\Strongroom
;                                                              and the current user's data folders
; /D must be the last argument and unquoted (an NSIS rule).

Unicode true
SetCompressor /SOLID lzma
RequestExecutionLevel admin

!ifndef VERSION
  !define VERSION "0.1.0"
!endif
!ifndef SOURCE_DIR
  !define SOURCE_DIR "..\..\dist\strongroom"
!endif
!ifndef OUT_FILE
  !define OUT_FILE "..\..\dist\Strongroom-${VERSION}-Setup.exe"
!endif

!define APP_NAME "Strongroom"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Strongroom"

!include "MUI2.nsh"
!include "FileFunc.nsh"
!include "LogicLib.nsh"
!include "x64.nsh"

Name "${APP_NAME} ${VERSION}"
OutFile "${OUT_FILE}"
InstallDir "$PROGRAMFILES64\${APP_NAME}"
InstallDirRegKey HKLM "${UNINSTALL_KEY}" "InstallLocation"
VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "${APP_NAME}"
VIAddVersionKey "FileDescription" "${APP_NAME} installer"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "LegalCopyright" "Apache-2.0"

!define MUI_ABORTWARNING
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Var ModelsSource

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "Strongroom needs 64-bit Windows." /SD IDOK
    Abort
  ${EndIf}
  SetRegView 64
  ${GetParameters} $0
  ClearErrors
  ${GetOptions} $0 "/MODELS=" $ModelsSource
FunctionEnd

Section "Strongroom" SecMain
  SectionIn RO
  SetShellVarContext all
  SetOutPath "$INSTDIR"
  File /r "${SOURCE_DIR}\*.*"

  ; The machine-wide models folder: IT's, read by every user, written by administrators only.
  CreateDirectory "$APPDATA\${APP_NAME}\models"
  ${If} $ModelsSource != ""
    ${If} ${FileExists} "$ModelsSource\*.*"
      DetailPrint "Copying models from $ModelsSource"
      CopyFiles /SILENT "$ModelsSource\*.*" "$APPDATA\${APP_NAME}\models"
    ${Else}
      DetailPrint "Models folder $ModelsSource not found: no models copied"
      SetErrorLevel 2
    ${EndIf}
  ${EndIf}

  CreateShortcut "$SMPROGRAMS\${APP_NAME}.lnk" "$INSTDIR\strongroom.exe"
  WriteUninstaller "$INSTDIR\Uninstall.exe"

  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "${APP_NAME}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\strongroom.exe"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\Uninstall.exe"'
  WriteRegStr HKLM "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\Uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "EstimatedSize" "$0"
SectionEnd

Function un.onInit
  SetRegView 64
FunctionEnd

Section "Uninstall"
  SetShellVarContext all
  Delete "$SMPROGRAMS\${APP_NAME}.lnk"
  RMDir /r "$INSTDIR"
  DeleteRegKey HKLM "${UNINSTALL_KEY}"

  ; By default IT's models and policy and every user's history and indexes stay.
  ${un.GetParameters} $0
  ClearErrors
  ${un.GetOptions} $0 "/PURGE" $1
  ${IfNot} ${Errors}
    RMDir /r "$APPDATA\${APP_NAME}"
    SetShellVarContext current
    RMDir /r "$LOCALAPPDATA\${APP_NAME}"
    RMDir /r "$APPDATA\${APP_NAME}"
  ${EndIf}
SectionEnd
