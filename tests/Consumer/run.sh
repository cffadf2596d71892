#!/usr/bin/env bash
# The package as a user gets it. 1. `dotnet pack` the repository: exactly one package, PruneDsl.<Version>.nupkg, with the
# layout and the single TorchSharp dependency checked. 2. Restore this folder's app from that file through a local folder
# feed (nuget.config), after removing PruneDsl from the global packages folder so a stale copy is never used; the
# restored package must be the packed file, byte for byte. 3. Build: the generator and the analyzers run from the
# package (the app calls generated members, and the deliberate PD0021 must appear in the build output). 4. Run: a few
# training steps, the kept widths, the compaction; exit 0. Any step that does not hold stops the script with a message.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

logs="$root/artifacts/consumer"
feed="$root/artifacts/package"
fail() { echo "consumer: FAILED: $*" >&2; exit 1; }
mkdir -p "$logs"

version="$(dotnet msbuild src/PruneDsl/PruneDsl.csproj -getProperty:Version -nologo)"
[ -n "$version" ] || fail "could not read Version from src/PruneDsl/PruneDsl.csproj"
nupkg="$feed/PruneDsl.$version.nupkg"

echo "consumer: 1/4 dotnet pack (PruneDsl $version)"
rm -rf "$feed"
dotnet pack PruneDsl.sln -c Release -nologo > "$logs/pack.log" 2>&1 || { tail -40 "$logs/pack.log"; fail "dotnet pack failed ($logs/pack.log)"; }
packed="$(ls "$feed" 2>/dev/null || true)"
[ "$packed" = "PruneDsl.$version.nupkg" ] || fail "dotnet pack wrote '$packed' to $feed; expected exactly PruneDsl.$version.nupkg"
python3 - "$nupkg" <<'EOF' || fail "the package layout is wrong (above)"
import re, sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
required = ["lib/net10.0/PruneDsl.dll", "lib/net10.0/PruneDsl.xml", "analyzers/dotnet/cs/PruneDsl.SourceGenerators.dll",
            "analyzers/dotnet/cs/PruneDsl.CodeFixers.dll", "buildTransitive/PruneDsl.targets",
            "buildTransitive/PatchGlibcxxVersionNeed.cs", "README.md", "PruneDsl.nuspec"]
missing = [n for n in required if n not in names]
nuspec = zipfile.ZipFile(sys.argv[1]).read("PruneDsl.nuspec").decode("utf-8-sig")
dependencies = re.findall(r'<dependency id="([^"]+)"', nuspec)
problems = [f"missing {n}" for n in missing]
if dependencies != ["TorchSharp"]:
    problems.append(f"dependencies are {dependencies}, expected TorchSharp only")
for field in ("<license type=\"expression\">", "<readme>README.md</readme>", "<description>", "<tags>"):
    if field not in nuspec:
        problems.append(f"the nuspec lacks {field}")
for p in problems:
    print("  " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
EOF

echo "consumer: 2/4 restore tests/Consumer from $feed"
packages="$(dotnet nuget locals global-packages --list | sed 's/^global-packages: *//')"
rm -rf "${packages%/}/prunedsl/$version" "$here/bin" "$here/obj"
dotnet restore "$here/Consumer.csproj" -p:PruneDslVersion="$version" > "$logs/restore.log" 2>&1 \
  || { tail -40 "$logs/restore.log"; fail "restore failed ($logs/restore.log)"; }
python3 - "$nupkg" "${packages%/}/prunedsl/$version/prunedsl.$version.nupkg.sha512" <<'EOF' || fail "the restored PruneDsl is not the package just packed"
import base64, hashlib, sys
packed = base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode()
restored = open(sys.argv[2]).read().strip()
sys.exit(0 if packed == restored else 1)
EOF

echo "consumer: 3/4 build (generator and analyzers from the package)"
build_status=0
dotnet build "$here/Consumer.csproj" -c Release --no-restore -p:PruneDslVersion="$version" > "$logs/build.log" 2>&1 || build_status=$?
[ "$build_status" -eq 0 ] || { grep -E "error|warning PD" "$logs/build.log" | sort -u | head -40; fail "build failed ($logs/build.log)"; }
grep -q "Program.cs(.*): warning PD0021" "$logs/build.log" \
  || fail "the build output has no PD0021 for the deliberate [Cost] without a group: the analyzers did not run from the package ($logs/build.log)"
grep -E "warning PD[0-9]{4}" "$logs/build.log" | sed 's|^[^ ]*/tests/Consumer/|  |; s| \[[^ ]*\.csproj\]$||' | sort -u
grep -h "PruneDsl: marked" "$logs/build.log" | sed 's|^ *|  |' | sort -u || true

echo "consumer: 4/4 run"
run_status=0
dotnet "$here/bin/Release/net10.0/Consumer.dll" 2>&1 | tee "$logs/run.log" || run_status=$?
[ "$run_status" -eq 0 ] || fail "the app exited with $run_status ($logs/run.log)"
grep -q "^consumer: ok$" "$logs/run.log" || fail "the app did not report success ($logs/run.log)"
echo "consumer: passed (PruneDsl $version packed, restored from the .nupkg, built with PD0021 from the package's analyzers, trained and compacted)"
